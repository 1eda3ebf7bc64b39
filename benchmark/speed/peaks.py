"""Peak FLOP/s of devices: published GPU datasheet figures, and an estimate for this machine's CPU."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from benchmark.core.environment import cpu_threads

# FLOPs per cycle per core: two 256-bit FMA pipes x 8 fp32 lanes x 2 FLOPs (AVX2 FMA; Zen 4 runs
# AVX-512 at the same rate by double-pumping 256-bit units). bf16 dot products (AVX512_BF16) double it.
CPU_FP32_FLOPS_PER_CYCLE = 32
CPU_BF16_FLOPS_PER_CYCLE = 64
# int8 dot products (AVX512_VNNI / AVX-VNNI) multiply-add four int8 pairs per 32-bit lane: 4x the fp32 rate.
CPU_INT8_OPS_PER_CYCLE = 128


@dataclasses.dataclass(frozen=True)
class GpuPeak:
    """Dense (no sparsity) peak TFLOP/s of a GPU from its datasheet.

    Args:
      name: Marketing name of the variant the figures are for.
      fp32: Plain FP32 (CUDA cores).
      tensor_fp16: FP16 Tensor Core peak, dense (what mixed_float16 uses).
      tensor_bf16: BF16 Tensor Core peak, dense, or None where the GPU has none.
      source: Where the figures come from.
    """

    name: str
    fp32: float
    tensor_fp16: float
    tensor_bf16: float | None
    source: str


GPU_PEAKS: dict[str, GpuPeak] = {
    "H100": GpuPeak("H100 SXM5 80GB", 67.0, 989.4, 989.4,
                    "NVIDIA H100 Tensor Core GPU datasheet (nvidia.com/en-us/data-center/h100/): FP32 67 TFLOPS, "
                    "FP16/BF16 Tensor Core 1,979 TFLOPS with sparsity = 989 dense"),
    "A100": GpuPeak("A100 SXM4 80GB", 19.5, 312.0, 312.0,
                    "NVIDIA A100 Tensor Core GPU datasheet (nvidia.com/en-us/data-center/a100/): FP32 19.5 TFLOPS, "
                    "FP16/BF16 Tensor Core 312 TFLOPS dense (624 with sparsity)"),
    "T4": GpuPeak("T4 16GB", 8.1, 65.0, None,
                  "NVIDIA T4 Tensor Core GPU datasheet (nvidia.com/en-us/data-center/tesla-t4/): single precision 8.1 "
                  "TFLOPS, mixed precision (FP16/FP32) 65 TFLOPS; no BF16"),
}
# Utilisation assumed for the GPU estimate: the share of the dense FP16 Tensor Core peak that a plain
# Keras BERT fine-tune with mixed precision typically reaches (MLPerf-tuned BERT training gets about 50%;
# unfused Keras layers, small batches and the host pipeline typically leave 25-40%). An assumption, not a measurement.
ASSUMED_GPU_UTILISATION = 0.3


def cpu_clock_hz() -> tuple[float, str]:
    """The CPU's maximum clock and where it was read: cpufreq, /proc/cpuinfo's MHz, or the BogoMIPS / 2."""
    try:
        khz = Path("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq").read_text().strip()
        return float(khz) * 1e3, "cpufreq maximum"
    except (OSError, ValueError):
        pass
    try:
        info = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return 2.5e9, "assumed 2.5 GHz (no /proc/cpuinfo)"
    for key, scale, how in (("cpu MHz", 1e6, "/proc/cpuinfo cpu MHz"), ("bogomips", 0.5e6, "BogoMIPS / 2")):
        for line in info:
            if line.lower().startswith(key.lower()):
                return float(line.split(":", 1)[1]) * scale, how
    return 2.5e9, "assumed 2.5 GHz"


def cpu_peak_flops(bf16: bool = False, int8: bool = False) -> tuple[float, str]:
    """Estimated peak FLOP/s of this CPU: cores x clock x FLOPs per cycle, with how it was estimated (``int8``:
    int8 operations per second)."""
    cores = cpu_threads()
    clock, how = cpu_clock_hz()
    kind = "int8" if int8 else "bf16" if bf16 else "fp32"
    per_cycle = {"int8": CPU_INT8_OPS_PER_CYCLE, "bf16": CPU_BF16_FLOPS_PER_CYCLE,
                 "fp32": CPU_FP32_FLOPS_PER_CYCLE}[kind]
    unit = "operations" if int8 else "FLOPs"
    note = f"estimate: {cores} cores x {clock / 1e9:.2f} GHz ({how}) x {per_cycle} {kind} {unit}/cycle"
    return cores * clock * per_cycle, note

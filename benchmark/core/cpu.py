"""The CPU's kind: the instruction sets /proc/cpuinfo lists, and what oneDNN may use of them.

TensorFlow's CPU kernels come from oneDNN, which picks the widest instruction set the CPU has unless
``ONEDNN_MAX_CPU_ISA`` caps it. A cap below AVX-512 BF16 makes a CPU with bf16 instructions run as one without
them (``ONEDNN_MAX_CPU_ISA=AVX2``: as an AVX2 laptop does), although /proc/cpuinfo still lists the flags; under
such a cap TensorFlow's bfloat16 matmul aborts the process ("could not create a primitive descriptor"), so the
cap counts as the CPU's kind here.
"""

from __future__ import annotations

import os

ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA"
BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # bf16 dot-product instructions
AMX_FLAGS = ("amx_tile", "amx_bf16", "amx_int8")
# oneDNN's ISA names (oneDNN's cpu_isa_t) that rule out its bf16 kernels: the rest (AVX512_CORE_BF16,
# AVX10_*, AVX512_CORE_AMX*, ALL, DEFAULT) allow them where the CPU has the instructions.
NO_BF16_CAPS = ("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI")
NO_AVX512_CAPS = ("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2")


def cpu_flags() -> frozenset[str]:
    """The instruction-set flags of the first CPU in /proc/cpuinfo (empty where there is none)."""
    try:
        text = open("/proc/cpuinfo", encoding="utf-8").read()
    except OSError:
        return frozenset()
    return frozenset(next((line.split(":", 1)[1].split() for line in text.splitlines()
                           if line.startswith("flags")), []))


def isa_cap() -> str | None:
    """``ONEDNN_MAX_CPU_ISA`` as set (upper case), or None."""
    value = os.environ.get(ISA_VARIABLE, "").strip().upper()
    return value or None


def instruction_sets(flags: frozenset[str] | None = None, cap: str | None = None) -> dict[str, object]:
    """What the CPU lists (bf16, AVX-512, AVX2, AMX), the oneDNN cap, and whether bf16 kernels can run."""
    flags = cpu_flags() if flags is None else flags
    cap = isa_cap() if cap is None else cap
    listed = {"bf16": any(flag in flags for flag in BF16_FLAGS), "avx512": "avx512f" in flags,
              "avx2": "avx2" in flags, "amx": any(flag in flags for flag in AMX_FLAGS)}
    return {**listed, ISA_VARIABLE: cap,
            "bf16_usable": listed["bf16"] and cap not in NO_BF16_CAPS,
            "avx512_usable": listed["avx512"] and cap not in NO_AVX512_CAPS}


def describe_instruction_sets(sets: dict[str, object]) -> str:
    """One line: ``bf16 yes, AVX-512 yes, AVX2 yes, AMX no; ONEDNN_MAX_CPU_ISA=AVX2 (runs as a CPU without bf16)``."""
    listed = ", ".join(f"{label} {'yes' if sets[key] else 'no'}" for key, label in
                       (("bf16", "bf16"), ("avx512", "AVX-512"), ("avx2", "AVX2"), ("amx", "AMX")))
    cap = sets[ISA_VARIABLE]
    kind = "with" if sets["bf16_usable"] else "without"
    return f"{listed}; {f'{ISA_VARIABLE}={cap}' if cap else f'{ISA_VARIABLE} not set'} (runs as a CPU {kind} bf16)"

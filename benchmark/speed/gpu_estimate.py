"""The full suite's time on named GPUs: model FLOPs over each GPU's dense peak times a utilisation.

The utilisation of each model comes, where available, from a measurement on a real GPU
(``python tools/gpu_hf.py``, shipped as the package data ``speed/data/gpu_h100.json``): the share of the H100's bf16
peak that the Hugging Face PyTorch loop reached for that architecture at that sequence length, training and inference
separately. On the H100 itself the estimate then equals the measured time; on other GPUs it assumes the same
share of their peak (small models, launch-bound on an H100, are likely less so on a slower GPU, so their time
there is overestimated). An unmeasured length borrows the nearest measured one's shares; without any
measurement, one assumed utilisation is used for every model.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from benchmark.encoders.families import plain_bert_shape
from benchmark.encoders.flops import forward_flops, training_flops
from benchmark.encoders.registry import REGISTRY
from benchmark.encoders.spec import EncoderSpec
from benchmark.speed.peaks import ASSUMED_GPU_UTILISATION, GPU_PEAKS
from benchmark.speed.suite_split import SUITE_EPOCHS, suite_examples

# The measured utilisation table (tools/gpu_hf.py on an H100), shipped with the package.
MEASUREMENT = resources.files("benchmark.speed").joinpath("data", "gpu_h100.json")


def bert_shape(spec: EncoderSpec) -> EncoderSpec:
    """The plain BERT of ``spec``'s shape: what the GPU timer times, and what its FLOPs are counted for."""
    return plain_bert_shape(spec)


def measured_utilisation(seq_length: int, path: Path | Traversable = MEASUREMENT
                         ) -> tuple[dict[str, tuple[float, float]], str]:
    """Per registry key, (training, inference) utilisation measured at ``seq_length``, and where it came from.

    A length that was not measured borrows the nearest measured length's shares (the shorter on a tie), and the
    source says so: utilisation grows with length, so a shorter neighbour overestimates the time and a longer
    one underestimates it, both far less than one assumed share for every model. Empty when no length has a
    measurement of every registry model.
    """
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, ""
    by_length: dict[int, dict[str, tuple[float, float]]] = {}
    for row in result.get("rows", []):
        by_length.setdefault(row.get("seq_length"), {})[row["key"]] = (row["train_utilisation"],
                                                                      row["inference_utilisation"])
    complete = [length for length, rows in by_length.items() if set(REGISTRY) <= rows.keys()]
    if not complete:
        return {}, ""
    nearest = min(complete, key=lambda length: (abs(length - seq_length), length))
    source = f"{result['device']}, `{result['command']}`, {result['created']}"
    if nearest != seq_length:
        source += f", at {nearest} tokens (the nearest measured length; {seq_length} was not measured)"
    return by_length[nearest], source


def suite_estimates(seq_length: int, epochs: int = SUITE_EPOCHS,
                    path: Path | Traversable = MEASUREMENT) -> list[dict[str, Any]]:
    """Hours for ``run --all`` at ``seq_length`` on each GPU of :data:`GPU_PEAKS`, from measured utilisation
    when there is one (see the module docstring), else from :data:`ASSUMED_GPU_UTILISATION`."""
    utilisation, source = measured_utilisation(seq_length, path)
    train_examples, forward_examples = suite_examples(epochs)
    rows = []
    for key, gpu in GPU_PEAKS.items():
        peak = gpu.tensor_fp16 * 1e12
        seconds = train_flops = forward_total = 0.0
        for model, spec in REGISTRY.items():
            shape = bert_shape(spec) if utilisation else spec  # measured as BERT of that shape
            train = train_examples * training_flops(shape, seq_length)
            forward = forward_examples * forward_flops(shape, seq_length)
            u_train, u_forward = utilisation.get(model, (ASSUMED_GPU_UTILISATION, ASSUMED_GPU_UTILISATION))
            seconds += train / (peak * u_train) + forward / (peak * u_forward)
            train_flops, forward_total = train_flops + train, forward_total + forward
        total = train_flops + forward_total
        rows.append({"gpu": key, "name": gpu.name, "peak_tflops": gpu.tensor_fp16, "suite_flops": total,
                     "utilisation": total / (seconds * peak), "measured": bool(utilisation),
                     "utilisation_source": source or f"assumed {ASSUMED_GPU_UTILISATION:.0%} for every model",
                     "hours": seconds / 3600, "source": gpu.source})
    return rows

"""``bench`` output: the full-suite GPU estimate, the targets check, and bench.md / bench.json."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from benchmark.atomic import atomic_write_text
from benchmark.flops import forward_flops, training_flops
from benchmark.peaks import ASSUMED_GPU_UTILISATION, GPU_PEAKS
from benchmark.registry import REGISTRY
from benchmark.suite_split import suite_examples

TRAIN_TARGET, EVAL_TARGET = 2.0, 3.0  # issue 4: training >= 2x, inference >= 3x the tutorial pipeline
ACCURACY_TOLERANCE = 0.01


def suite_flops(seq_length: int, epochs: int) -> float:
    """FLOPs of the whole suite (every registry model), as ``run --all`` splits IMDb, padded to ``seq_length``.

    Per model: ``epochs`` x 20k training reviews (training FLOPs) + ``epochs`` x 5k validation reviews and
    the 25k test reviews (forward FLOPs).
    """
    train, forward = suite_examples(epochs)
    return sum(train * training_flops(spec, seq_length) + forward * forward_flops(spec, seq_length)
               for spec in REGISTRY.values())


def gpu_estimates(seq_length: int, epochs: int, utilisation: float = ASSUMED_GPU_UTILISATION) -> list[dict[str, Any]]:
    """Hours for the full suite on each GPU at its dense FP16 Tensor Core peak times ``utilisation``."""
    total = suite_flops(seq_length, epochs)
    return [{"gpu": key, "name": gpu.name, "peak_tflops": gpu.tensor_fp16, "precision": "mixed_float16",
             "utilisation": utilisation, "suite_flops": total,
             "hours": total / (gpu.tensor_fp16 * 1e12 * utilisation) / 3600, "source": gpu.source}
            for key, gpu in GPU_PEAKS.items()]


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 4 with the measured figure and whether it is met (None: not measured)."""
    pipelines = result["pipelines"]

    def speed(name: str, mode: str) -> float | None:
        entry = pipelines.get(name, {})
        return entry.get(mode, {}).get("examples_per_second") if "error" not in entry else None

    ours_train, ours_eval = speed("this project", "training"), speed("this project", "inference")
    tut_train, tut_eval = speed("tutorial", "training"), speed("tutorial", "inference")
    hf_train = speed("hugging face", "training")
    rows = []
    train_ratio = ours_train / tut_train if ours_train and tut_train else None
    rows.append({"target": f"training >= {TRAIN_TARGET:g}x tutorial", "measured": train_ratio,
                 "met": None if train_ratio is None else train_ratio >= TRAIN_TARGET})
    hf_ratio = ours_train / hf_train if ours_train and hf_train else None
    rows.append({"target": "training >= Hugging Face PyTorch loop", "measured": hf_ratio,
                 "met": None if hf_ratio is None else hf_ratio >= 1.0})
    eval_ratio = ours_eval / tut_eval if ours_eval and tut_eval else None
    rows.append({"target": f"inference >= {EVAL_TARGET:g}x tutorial", "measured": eval_ratio,
                 "met": None if eval_ratio is None else eval_ratio >= EVAL_TARGET})
    accuracy = result.get("accuracy") or {}
    gap = accuracy.get("difference")
    rows.append({"target": "validation accuracy within 1 point of the tutorial pipeline", "measured": gap,
                 "met": None if gap is None else abs(gap) <= ACCURACY_TOLERANCE})
    return rows


def _fmt(value: float | None, pattern: str = "{:.2f}") -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else pattern.format(value)


def _run_section(run: dict[str, Any]) -> list[str]:
    config = run["config"]
    lines = [f"## Sequence length {config['seq_length']}, batch size {config['batch_size']}", "",
             f"Medians of {config['rounds']} interleaved rounds of {config['steps']} steps after "
             f"{config['warmup_steps']} warm-up steps; batches drawn from {config['samples']} train and "
             f"{config['samples']} test reviews.", "",
             "| pipeline | train ex/s | vs tutorial | inference ex/s | vs tutorial | tokens/example | "
             "train GFLOP/example | train GFLOP/s | % of peak (train) | peak RSS MiB |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, entry in run["pipelines"].items():
        if "error" in entry:
            lines.append(f"| {name} | {entry['error']} | | | | | | | | |")
            continue
        train, infer = entry["training"], entry["inference"]
        lines.append(
            f"| {name} | {train['examples_per_second']:.2f} | {_fmt(entry.get('training_vs_tutorial'), '{:.2f}x')} | "
            f"{infer['examples_per_second']:.2f} | {_fmt(entry.get('inference_vs_tutorial'), '{:.2f}x')} | "
            f"{train['tokens_per_example']:.0f} | {train['flops_per_example'] / 1e9:.2f} | "
            f"{train['achieved_flops'] / 1e9:.1f} | {100 * train['peak_fraction']:.1f}% | {entry['peak_rss_mib']:.0f} |")
    lines += ["", *[f"- **{name}**: {entry['description']}" for name, entry in run["pipelines"].items()]]
    lines += ["", "| target (issue 4) | measured | met |", "|---|---|---|"]
    for row in run["targets"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[row["met"]]
        lines.append(f"| {row['target']} | {_fmt(row['measured'], '{:.3f}')} | {met} |")
    accuracy = run.get("accuracy")
    if accuracy:
        lines += ["", *_accuracy_lines(accuracy)]
    estimate = run["gpu_estimate"]
    lines += ["", f"Full suite on GPUs, **an estimate, not a measurement**: every registry model, {config['epochs']} "
              f"epochs over 20k training reviews plus 5k validation reviews per epoch and the 25k test reviews, "
              f"padded to {config['seq_length']}: {estimate[0]['suite_flops'] / 1e15:.0f} PFLOP; hours = FLOPs / "
              f"(dense FP16 Tensor Core peak x {estimate[0]['utilisation']:.0%} assumed utilisation).", "",
              "| GPU | dense FP16 peak TFLOP/s | assumed utilisation | estimated hours |", "|---|---|---|---|"]
    lines += [f"| {row['name']} | {row['peak_tflops']:g} | {row['utilisation']:.0%} | "
              f"{row['hours']:.2f} ({60 * row['hours']:.0f} min) |"
              for row in estimate]
    return lines + [""]


def _accuracy_lines(accuracy: dict[str, Any]) -> list[str]:
    def score(name: str) -> str:
        low, high = accuracy.get(f"{name}_ci95") or (math.nan, math.nan)
        return f"{name} {100 * accuracy[name]:.2f}% [{_fmt(100 * low)}-{_fmt(100 * high)}]"

    n = accuracy["validation_examples"]
    line = (f"Accuracy check: one epoch on {accuracy['train_examples']} training reviews, validation on {n} held-out "
            f"training reviews, same encoder, data, order and seed: {score('tutorial')}, {score('this project')} "
            f"(95% Wilson intervals); difference {100 * accuracy['difference']:+.2f} points")
    if "difference_ci95" not in accuracy:  # bench.json files written before the paired comparison
        return [line + "."]
    low, high = accuracy["difference_ci95"]
    return [line + f", paired 95% interval [{100 * low:+.2f}, {100 * high:+.2f}]: only the tutorial right on "
            f"{accuracy['only_tutorial_right']} reviews, only this project on {accuracy['only_this_project_right']} "
            f"(one review is {100 / n:.2f} points)."]


def markdown(result: dict[str, Any]) -> str:
    """bench.md: the command, then per sequence length the pipelines, the targets and the GPU estimate."""
    model = result["model"]
    label = " [stand-in: random weights]" if model["weights"] == "stand-in" else f" [weights: {model['weights']}]"
    lines = [f"# Speed: {model['name']} ({model['architecture']}){label}", "",
             f"Measured with `{result['command']}` on {result['environment']['device']}, {result['threads']} "
             f"threads, {result['created']} (git {result['environment']['git_commit']}).", ""]
    for run in result["runs"]:
        lines += _run_section(run)
    lines += ["## Notes", "", *[f"- {note}" for note in result["runs"][0]["notes"]],
              "- GPU peaks from the NVIDIA datasheets: "
              + "; ".join(row["source"] for row in result["runs"][0]["gpu_estimate"]) + "."]
    return "\n".join(lines) + "\n"


def write_bench(result: dict[str, Any], output: Path) -> tuple[Path, Path]:
    """Write bench.json and bench.md atomically into ``output``."""
    output = Path(output)
    json_path, md_path = output / "bench.json", output / "bench.md"
    atomic_write_text(json_path, json.dumps(result, indent=2, default=str) + "\n")
    atomic_write_text(md_path, markdown(result))
    return md_path, json_path

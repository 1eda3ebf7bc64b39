"""``bench`` output: the targets check, bench.md / bench.json, and how the full-suite GPU estimate reads."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from benchmark.core.atomic import atomic_write_text
from benchmark.core.cpu import describe_instruction_sets
from benchmark.speed.config import HF, OURS, OURS_INT8, TUTORIAL
from benchmark.speed.suite_split import suite_examples

# run with its default options: training and inference at least 2x the tutorial pipeline at every length
# (issue 17); the opt-in int8 inference at least 3x (issue 4's inference target).
TRAIN_TARGET, EVAL_TARGET, INT8_EVAL_TARGET = 2.0, 2.0, 3.0
ACCURACY_TOLERANCE = 0.01


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the measured figure and whether it is met (None: not measured)."""
    pipelines = result["pipelines"]

    def speed(name: str, mode: str) -> float | None:
        entry = pipelines.get(name, {})
        return entry.get(mode, {}).get("examples_per_second") if "error" not in entry else None

    ours_train, ours_eval = speed(OURS, "training"), speed(OURS, "inference")
    tut_train, tut_eval = speed(TUTORIAL, "training"), speed(TUTORIAL, "inference")
    hf_train = speed(HF, "training")
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
    int8_eval = speed(OURS_INT8, "inference")
    if int8_eval is not None:
        int8_ratio = int8_eval / tut_eval if tut_eval else None
        rows.append({"target": f"inference >= {INT8_EVAL_TARGET:g}x tutorial with opt-in `--inference tflite-int8` "
                               "(an int8-quantized model)", "measured": int8_ratio,
                     "met": None if int8_ratio is None else int8_ratio >= INT8_EVAL_TARGET})
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
        infer = entry["inference"]
        train = entry.get("training")  # None: an inference-only pipeline
        training = (f"{train['examples_per_second']:.2f} | {_fmt(entry.get('training_vs_tutorial'), '{:.2f}x')}"
                    if train else "- | -")
        per_example = (f"{train['tokens_per_example']:.0f} | {train['flops_per_example'] / 1e9:.2f} | "
                       f"{train['achieved_flops'] / 1e9:.1f} | {100 * train['peak_fraction']:.1f}%"
                       if train else f"{infer['tokens_per_example']:.0f} | - | - | -")
        lines.append(
            f"| {name} | {training} | "
            f"{infer['examples_per_second']:.2f} | {_fmt(entry.get('inference_vs_tutorial'), '{:.2f}x')} | "
            f"{per_example} | {entry['peak_rss_mib']:.0f} |")
    lines += ["", *[f"- **{name}**: {entry['description']}" for name, entry in run["pipelines"].items()]]
    lines += versus_ours_lines(run["pipelines"])
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    for row in run["targets"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[row["met"]]
        lines.append(f"| {row['target']} | {_fmt(row['measured'], '{:.3f}')} | {met} |")
    accuracy = run.get("accuracy")
    if accuracy:
        lines += ["", *_accuracy_lines(accuracy)]
    lines += ["", *gpu_section(run["gpu_estimate"], config["seq_length"], config["epochs"])]
    return lines + [""]


def versus_ours_lines(pipelines: dict[str, dict[str, Any]]) -> list[str]:
    """``bench --keras3``: each extra pipeline's speed as a multiple of this project's (Keras 2, as ``run``)."""
    rows = [f"{name}: training {_fmt(entry['training_vs_this_project'], '{:.2f}x')}, inference "
            f"{_fmt(entry['inference_vs_this_project'], '{:.2f}x')}"
            for name, entry in pipelines.items() if "training_vs_this_project" in entry]
    return ["", f"Against **{OURS}** (Keras 2, as `run` trains): " + "; ".join(rows) + "."] if rows else []


def _duration(hours: float) -> str:
    """Minutes under an hour, else hours to one decimal."""
    return f"{60 * hours:.0f} min" if hours < 1 else f"{hours:.1f} h"


def utilisation_basis(estimate: list[dict[str, Any]]) -> str:
    """Where the estimate's utilisation comes from, in a few words (rows of ``gpu_estimate.suite_estimates``)."""
    source = estimate[0]["utilisation_source"]
    return f"utilisation measured on {source}" if estimate[0]["measured"] else f"utilisation {source}, not measured"


def estimate_line(run: dict[str, Any]) -> str:
    """One line for the terminal: the full suite's estimated time on each GPU at this run's sequence length."""
    estimate = run["gpu_estimate"]
    times = ", ".join(f"{row['gpu']} {_duration(row['hours'])}" for row in estimate)
    return (f"full suite at {run['config']['seq_length']} tokens, estimated (not measured): {times}; "
            f"{utilisation_basis(estimate)}")


def _method(estimate: list[dict[str, Any]], seq_length: int) -> str:
    """Where the utilisation comes from and how it is used, as a sentence."""
    basis = utilisation_basis(estimate)
    basis = basis[:1].upper() + basis[1:]
    if not estimate[0]["measured"]:
        return (f"{basis} (no `python tools/gpu_hf.py` result covers {seq_length} tokens): "
                "hours = FLOPs / (peak x utilisation).")
    return (f"{basis}: each model's measured share of that GPU's dense bf16 peak in the Hugging Face PyTorch "
            "loop, training and inference separately; on other GPUs the same share of their peak is assumed, which "
            "overestimates the time of small, launch-bound models there.")


def gpu_section(estimate: list[dict[str, Any]], seq_length: int, epochs: int) -> list[str]:
    """bench.md's full-suite GPU estimate: what is counted, where the utilisation comes from, and a row per GPU."""
    train, forward = suite_examples(epochs)
    lines = [f"Full suite on GPUs, **an estimate, not a measurement**: every registry model, {epochs} epochs as "
             f"`run --all` splits IMDb ({train:,} training and {forward:,} validation and test examples per model), "
             f"padded to {seq_length} tokens: {estimate[0]['suite_flops'] / 1e15:.0f} PFLOP.", "",
             _method(estimate, seq_length), "",
             "| GPU | dense FP16/BF16 peak TFLOP/s | effective utilisation (FLOPs / (hours x peak)) | estimated hours |",
             "|---|---|---|---|"]
    return lines + [f"| {row['name']} | {row['peak_tflops']:g} | {row['utilisation']:.1%} | "
                    f"{row['hours']:.2f} ({60 * row['hours']:.0f} min) |" for row in estimate]


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
    lines = [line + f", paired 95% interval [{100 * low:+.2f}, {100 * high:+.2f}]: only the tutorial right on "
             f"{accuracy['only_tutorial_right']} reviews, only this project on {accuracy['only_this_project_right']} "
             f"(one review is {100 / n:.2f} points)."]
    int8 = accuracy.get("int8")
    if int8:
        low, high = int8["difference_ci95"]
        lines += ["", f"The same trained model scored through TensorFlow Lite with int8 dynamic-range quantization, "
                  f"as `run --inference tflite-int8` scores: {100 * int8['this project']:.2f}%, difference from "
                  f"the tutorial {100 * int8['difference']:+.2f} points, paired 95% interval [{100 * low:+.2f}, "
                  f"{100 * high:+.2f}]; it predicts as the unquantized model does on "
                  f"{int8['same_prediction_as_this_project']} of {n} reviews."]
    return lines


def markdown(result: dict[str, Any]) -> str:
    """bench.md: the command, then per sequence length the pipelines, the targets and the GPU estimate."""
    model = result["model"]
    label = " [stand-in: random weights]" if model["weights"] == "stand-in" else f" [weights: {model['weights']}]"
    lines = [f"# Speed: {model['name']} ({model['architecture']}){label}", "",
             f"Measured with `{result['command']}` on {result['environment']['device']}, {result['threads']} "
             f"threads, {result['created']} (git {result['environment']['git_commit']}).", ""]
    if "cpu_instruction_sets" in result:  # bench.json files before issue 23 lack it
        lines += [f"CPU instruction sets: {describe_instruction_sets(result['cpu_instruction_sets'])}.", ""]
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

"""Measured GPU throughput of every registry architecture, in Hugging Face PyTorch (no TensorFlow needed).

The GPU machines this project can borrow have PyTorch but no TensorFlow, so the Keras pipeline cannot be timed
there. This module times what can be: a randomly initialised ``BertForSequenceClassification`` of each registry
encoder's shape (layers, hidden size, heads, feed-forward width, vocabulary), bf16 autocast, AdamW, every example
padded to the full sequence length, on random token ids. ALBERT, ELECTRA small and Talking-Heads are timed as the
plain BERT of the same shape (their factorised embeddings, shared layers or head mixings change the FLOPs by a few
percent; the table marks them). From the measured examples per second come the achieved share of the GPU's dense
bf16 peak and the hours the full suite (``run --all``) would take, model by model.

    python tools/gpu_hf.py --output experiments/<date>-gpu-hf

``bench``'s GPU estimate reads the measurement it writes, ``gpu_hf.json``, from the package data file
``benchmark/speed/data/gpu_h100.json``: copy a new measurement there to use it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
from pathlib import Path
from typing import Any, Sequence

from benchmark.core.atomic import atomic_write_text
from benchmark.encoders.families import is_plain_bert
from benchmark.encoders.flops import forward_flops, training_flops
from benchmark.encoders.registry import REGISTRY
from benchmark.encoders.spec import EncoderSpec
from benchmark.speed.gpu_estimate import bert_shape
from benchmark.speed.peaks import GPU_PEAKS
from benchmark.speed.rounds import timed_rounds
from benchmark.speed.suite_split import SUITE_EPOCHS, suite_examples

SCRIPT = "tools/gpu_hf.py"


class BertTimer:
    """A random BERT classifier of one shape on the GPU, timed step by step with CUDA synchronisation."""

    def __init__(self, spec: EncoderSpec, seq_length: int, batch_size: int, seed: int = 0):
        import torch
        from transformers import BertConfig, BertForSequenceClassification

        torch.manual_seed(seed)
        self.torch, self.device = torch, torch.device("cuda")
        config = BertConfig(vocab_size=spec.vocab_size, hidden_size=spec.hidden_size,
                            num_hidden_layers=spec.num_layers, num_attention_heads=spec.num_heads,
                            intermediate_size=spec.intermediate_size, max_position_embeddings=spec.max_positions,
                            type_vocab_size=spec.type_vocab_size, hidden_act="gelu", num_labels=1)
        self.model = BertForSequenceClassification(config).to(self.device)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=3e-5, weight_decay=0.01, fused=True)
        self.loss = torch.nn.BCEWithLogitsLoss()
        shape = (batch_size, seq_length)
        self.ids = torch.randint(1000, spec.vocab_size, shape, device=self.device)
        self.mask = torch.ones(shape, dtype=torch.long, device=self.device)
        self.types = torch.zeros(shape, dtype=torch.long, device=self.device)
        self.labels = torch.randint(0, 2, (batch_size,), device=self.device).float()
        self.batch_size = batch_size

    def _logits(self):
        with self.torch.autocast("cuda", dtype=self.torch.bfloat16):
            return self.model(input_ids=self.ids, attention_mask=self.mask,
                              token_type_ids=self.types).logits.squeeze(-1).float()

    def train_step(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        self.loss(self._logits(), self.labels).backward()
        self.optimizer.step()

    def inference_step(self) -> None:
        with self.torch.inference_mode():
            self._logits()

    def examples_per_second(self, step, steps: int, warmup: int, rounds: int) -> float:
        """Median over ``rounds`` of the examples per second of ``steps`` steps, after ``warmup`` steps."""
        for _ in range(warmup):
            step()
        rates = timed_rounds({"step": lambda: [step() for _ in range(steps)]}, rounds, steps * self.batch_size,
                             synchronize=self.torch.cuda.synchronize)
        return statistics.median(rates["step"])


def measure(spec: EncoderSpec, seq_length: int, batch_size: int, steps: int, warmup: int, rounds: int,
            peak_flops: float) -> dict[str, Any]:
    """Training and inference examples per second of ``spec``'s shape, with FLOP/s and share of the peak."""
    import torch

    timer = BertTimer(bert_shape(spec), seq_length, batch_size)
    torch.cuda.reset_peak_memory_stats()
    train = timer.examples_per_second(timer.train_step, steps, warmup, rounds)
    infer = timer.examples_per_second(timer.inference_step, steps, warmup, rounds)
    shape = bert_shape(spec)
    train_flops, infer_flops = training_flops(shape, seq_length), forward_flops(shape, seq_length)
    train_examples, forward_examples = suite_examples(SUITE_EPOCHS)
    row = {"key": spec.key, "family": spec.family, "architecture": spec.architecture, "seq_length": seq_length,
           "batch_size": batch_size, "timed_as_bert": not is_plain_bert(spec),
           "train_examples_per_second": train, "inference_examples_per_second": infer,
           "train_utilisation": train * train_flops / peak_flops,
           "inference_utilisation": infer * infer_flops / peak_flops,
           "suite_hours": (train_examples / train + forward_examples / infer) / 3600,
           "peak_memory_gib": torch.cuda.max_memory_allocated() / 2**30}
    del timer
    torch.cuda.empty_cache()
    return row


def render(result: dict[str, Any]) -> str:
    """bench-style Markdown of a measurement."""
    lines = [f"# Hugging Face PyTorch on {result['device']}: every registry architecture, measured", "",
             f"Measured with `{result['command']}`, {result['created']}, torch {result['versions']['torch']}, "
             f"transformers {result['versions']['transformers']}. Random weights and token ids, bf16 autocast, "
             "AdamW (fused), every example padded to the full length; medians of "
             f"{result['rounds']} rounds of {result['steps']} steps after {result['warmup']} warm-up steps. "
             "TensorFlow cannot be installed on the lent GPU machine (no package index there, and its wheel exceeds "
             "what a call can carry), so this project's own Keras pipeline was not timed on it.", ""]
    for seq_length in result["seq_lengths"]:
        rows = [row for row in result["rows"] if row["seq_length"] == seq_length]
        total = sum(row["suite_hours"] for row in rows)
        lines += [f"## Sequence length {seq_length}, batch size {rows[0]['batch_size']}", "",
                  f"Full suite ({len(rows)} models, {SUITE_EPOCHS} epochs over 20k reviews, 5k validation and 25k "
                  f"test reviews each) at these measured speeds: **{total:.2f} hours ({total * 60:.0f} min)**.", "",
                  "| model | L/H/A | train ex/s | inference ex/s | % of bf16 peak (train) | % (inference) | "
                  "suite minutes | peak GiB |", "|---|---|---:|---:|---:|---:|---:|---:|"]
        for row in rows:
            mark = " (as BERT)" if row["timed_as_bert"] else ""
            lines.append(f"| `{row['key']}`{mark} | {row['architecture']} | {row['train_examples_per_second']:,.0f} | "
                         f"{row['inference_examples_per_second']:,.0f} | {100 * row['train_utilisation']:.1f}% | "
                         f"{100 * row['inference_utilisation']:.1f}% | {60 * row['suite_hours']:.1f} | "
                         f"{row['peak_memory_gib']:.1f} |")
        lines.append("")
    lines += ["- % of peak: model FLOPs (benchmark/encoders/flops.py) per second over the dense bf16 Tensor Core "
              f"peak, {result['peak_tflops']:g} TFLOP/s ({result['peak_source']}).",
              "- suite minutes: that model's share of `run --all` at the measured speeds (training, validation and "
              "test passes; tokenizing, loading and checkpoints not included)."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python {SCRIPT}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seq-length", type=int, nargs="+", default=[128, 512])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gpu", choices=sorted(GPU_PEAKS), default="H100", help="whose datasheet peak to use")
    parser.add_argument("--model", action="append", help="registry keys (default: all)")
    parser.add_argument("--output", type=Path, default=Path("gpu-hf"))
    args = parser.parse_args(argv)
    try:
        import torch
        import transformers
    except ImportError as error:
        print(f"error: {error.name} is not installed; pip install -e '.[hf]' (on the GPU machine)", file=sys.stderr)
        return 2
    if not torch.cuda.is_available():
        print("error: no CUDA GPU is visible to PyTorch; run this on a GPU machine", file=sys.stderr)
        return 2
    keys = args.model or list(REGISTRY)
    unknown = [key for key in keys if key not in REGISTRY]
    if unknown:
        print(f"error: unknown model(s) {', '.join(unknown)}; see `python -m benchmark list`", file=sys.stderr)
        return 2
    peak = GPU_PEAKS[args.gpu]
    rows = []
    for seq_length in args.seq_length:
        for key in keys:
            row = measure(REGISTRY[key], seq_length, args.batch_size, args.steps, args.warmup, args.rounds,
                          (peak.tensor_bf16 or peak.tensor_fp16) * 1e12)
            print(f"{key} @ {seq_length}: train {row['train_examples_per_second']:,.0f} ex/s "
                  f"({100 * row['train_utilisation']:.1f}%), inference {row['inference_examples_per_second']:,.0f} "
                  f"ex/s", flush=True)
            rows.append(row)
    result = {"command": f"python {SCRIPT} " + " ".join(sys.argv[1:] if argv is None else argv),
              "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "device": torch.cuda.get_device_name(), "gpu_peak": args.gpu,
              "peak_tflops": peak.tensor_bf16 or peak.tensor_fp16, "peak_source": peak.source,
              "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
              "seq_lengths": args.seq_length, "steps": args.steps, "warmup": args.warmup, "rounds": args.rounds,
              "rows": rows}
    atomic_write_text(args.output / "gpu_hf.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.output / "gpu_hf.md", render(result))
    print(render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

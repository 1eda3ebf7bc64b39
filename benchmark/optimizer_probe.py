"""Training speed with tf-models' AdamW and with this project's fused embedding update, side by side.

``benchmark/optimizer.py`` applies the word-embedding table's sparse gradient densely with the fused Adam kernel
instead of Keras's legacy sparse Adam (a dozen whole-table passes). This probe measures what that buys in a whole
training step: one classifier architecture (registry shape, random weights, ``[CLS]``-only last layer, the shared
dense logit) built twice from the same seed, compiled with each optimizer, trained on the same random full-length
batches (at 128 tokens nearly every IMDb review is full length) in interleaved rounds; it reports each one's
examples per second (median of rounds) and the ratio.

    python -m benchmark.optimizer_probe --model small_bert_l4_h512 --seq-length 128 --batch-size 32
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from benchmark.atomic import atomic_write_text
from benchmark.environment import cpu_name, cpu_threads
from benchmark.errors import UsageError
from benchmark.int8_probe import keras_classifier, random_batch

OPTIMIZERS = {"tf-models AdamW (legacy sparse Adam)": False, "this project (fused embedding update)": True}


def probe(key: str, seq_length: int, batch_size: int, precision: str, steps: int, rounds: int,
          seed: int) -> list[dict[str, object]]:
    """A row per optimizer: name, training examples per second (median and rounds), ratio to tf-models'."""
    import tf_keras

    from benchmark.bench_keras import compile_classifier
    from benchmark.registry import CLS_ONLY_FAMILIES, get_spec

    spec = get_spec(key)
    vocab = spec.vocab_size  # the published checkpoint's: the embedding table whose update is measured
    batch = random_batch(batch_size, seq_length, vocab, seed)
    labels = np.random.default_rng(seed).integers(0, 2, (batch_size, 1)).astype(np.float32)
    models = {}
    for name, fused in OPTIMIZERS.items():
        tf_keras.utils.set_random_seed(seed)
        model = keras_classifier(spec, vocab, batch_size, seq_length, precision, spec.family in CLS_ONLY_FAMILIES)
        models[name] = compile_classifier(model, spec.learning_rate, 100_000, fused_sparse=fused)
        models[name].train_on_batch(batch, labels)  # traces and warms up
    rates: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(rounds):
        for name, model in models.items():  # interleaved: both see the same state of the machine
            start = time.perf_counter()
            for _ in range(steps):
                model.train_on_batch(batch, labels)
            rates[name].append(steps * batch_size / (time.perf_counter() - start))
    rows = [{"optimizer": name, "examples_per_second": statistics.median(r), "rounds": r} for name, r in rates.items()]
    for row in rows:
        row["vs_tf_models"] = row["examples_per_second"] / rows[0]["examples_per_second"]
    return rows


def table(rows: list[dict[str, object]], key: str, seq_length: int, batch_size: int, precision: str) -> str:
    """The rows as a Markdown table under a line saying what was measured."""
    lines = [f"{key} (random weights), {seq_length} tokens, batch {batch_size}, {precision}: training steps, "
             "one process, interleaved rounds", "",
             "| optimizer | train ex/s | vs tf-models | rounds |", "|---|---:|---:|---|"]
    lines += [f"| {r['optimizer']} | {r['examples_per_second']:.2f} | {r['vs_tf_models']:.3f}x | "
              f"{', '.join(f'{x:.2f}' for x in r['rounds'])} |" for r in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmark.optimizer_probe", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="small_bert_l4_h512", metavar="KEY", help="registry key")
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--precision", choices=("float32", "mixed_bfloat16"), default="mixed_bfloat16")
    parser.add_argument("--steps", type=int, default=4, help="timed training steps per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output", type=Path, help="also write the table, with this command, to this Markdown file")
    args = parser.parse_args(argv)
    try:
        for name in ("seq_length", "batch_size", "steps", "rounds"):
            if getattr(args, name) <= 0:
                raise UsageError(f"--{name.replace('_', '-')} must be positive, got {getattr(args, name)}")
        rows = probe(args.model, args.seq_length, args.batch_size, args.precision, args.steps, args.rounds, args.seed)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    text = table(rows, args.model, args.seq_length, args.batch_size, args.precision)
    print(text)
    if args.output:
        command = shlex.join(["python", "-m", "benchmark.optimizer_probe", *(sys.argv[1:] if argv is None else argv)])
        when = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        atomic_write_text(args.output, f"# Optimizer probe\n\nMeasured with `{command}` on CPU ({cpu_name()}), "
                          f"{cpu_threads()} threads, {when}.\n\n{text}\n")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

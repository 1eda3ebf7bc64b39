"""Training speed with tf-models' AdamW and with this project's fused embedding update, side by side.

``benchmark/training/optimizer.py`` applies the word-embedding table's sparse gradient densely with the fused Adam
kernel instead of Keras's legacy sparse Adam (a dozen whole-table passes). This probe measures what that buys in a whole
training step: one classifier architecture (registry shape, random weights, ``[CLS]``-only last layer, the shared
dense logit) built twice from the same seed, compiled with each optimizer, trained on the same random full-length
batch (at 128 tokens nearly every IMDb review is full length) by Keras's own train function on an endless dataset,
as ``fit`` and ``bench`` run it, in interleaved rounds; it reports each one's examples per second (median of rounds)
and the ratio. (Until the dropout probe was added it timed ``train_on_batch``, whose per-call overhead made the
rounds spread more.)

    python tools/optimizer_probe.py --model small_bert_l4_h512 --seq-length 128 --batch-size 32
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
from typing import Mapping, Sequence

import numpy as np

from benchmark.encoders.families import family
from benchmark.encoders.registry import get_spec
from benchmark.speed.rounds import timed_rounds
from int8_probe import keras_classifier, random_batch
from probe_cli import probe_main

SCRIPT = "tools/optimizer_probe.py"


@dataclasses.dataclass(frozen=True)
class Variant:
    """How one probed model trains: which embedding update, and how its dropout draws masks."""

    fused_sparse: bool
    dropout: str = "keras"  # "keras" (tf_keras.layers.Dropout), "bits" (bit_dropout.BitDropout), or "off"


OPTIMIZERS = {"tf-models AdamW (legacy sparse Adam)": Variant(fused_sparse=False),
              "this project (fused embedding update)": Variant(fused_sparse=True)}


def apply_dropout(model, dropout: str) -> None:
    """``model``'s Dropout layers as ``dropout`` says: left as Keras's, turned into BitDropout, or rate 0."""
    import tf_keras  # deferred: TensorFlow

    from benchmark.encoders.bit_dropout import use_bit_dropout

    if dropout == "bits":
        use_bit_dropout(model)
    elif dropout == "off":
        for layer in model.submodules:
            if isinstance(layer, tf_keras.layers.Dropout):
                layer.rate = 0.0
    elif dropout != "keras":
        raise ValueError(f"unknown dropout variant {dropout!r}")


def probe(key: str, seq_length: int, batch_size: int, precision: str, steps: int, rounds: int,
          seed: int, variants: Mapping[str, Variant] = OPTIMIZERS) -> list[dict[str, object]]:
    """A row per variant: name, training examples per second (median and rounds), ratio to the first variant."""
    import tensorflow as tf  # deferred: TensorFlow
    import tf_keras

    from benchmark.speed.keras_pipelines import KerasRunner, compile_classifier

    spec = get_spec(key)
    vocab = spec.vocab_size  # the published checkpoint's: the embedding table whose update is measured
    batch = random_batch(batch_size, seq_length, vocab, seed)
    labels = np.random.default_rng(seed).integers(0, 2, (batch_size, 1)).astype(np.float32)
    data = tf.data.Dataset.from_tensors((batch, labels))
    runners = {}
    for name, variant in variants.items():
        tf_keras.utils.set_random_seed(seed)
        model = keras_classifier(spec, vocab, batch_size, seq_length, precision, family(spec.family).cls_only)
        apply_dropout(model, variant.dropout)
        compile_classifier(model, spec.learning_rate, 100_000, fused_sparse=variant.fused_sparse)
        runners[name] = KerasRunner(model, data, data)  # Keras's own train function, as fit and bench run it
        runners[name].train(2)  # traces and warms up
    # Interleaved: all see the same state of the machine; ``train`` returns the last loss: the steps have finished.
    rates = timed_rounds({name: (lambda runner=runner: runner.train(steps)) for name, runner in runners.items()},
                         rounds, steps * batch_size)
    rows = [{"variant": name, "examples_per_second": statistics.median(r), "rounds": r} for name, r in rates.items()]
    for row in rows:
        row["vs_first"] = row["examples_per_second"] / rows[0]["examples_per_second"]
    return rows


def table(rows: list[dict[str, object]], key: str, seq_length: int, batch_size: int, precision: str,
          column: str = "optimizer", versus: str = "vs tf-models") -> str:
    """The rows as a Markdown table under a line saying what was measured; ``column`` names the variants,
    ``versus`` the ratio to the first."""
    lines = [f"{key} (random weights), {seq_length} tokens, batch {batch_size}, {precision}: training steps, "
             "one process, interleaved rounds", "",
             f"| {column} | train ex/s | {versus} | rounds |", "|---|---:|---:|---|"]
    lines += [f"| {r['variant']} | {r['examples_per_second']:.2f} | {r['vs_first']:.3f}x | "
              f"{', '.join(f'{x:.2f}' for x in r['rounds'])} |" for r in rows]
    return "\n".join(lines)


def precision_option(parser) -> None:
    """The ``--precision`` option of the training probes."""
    parser.add_argument("--precision", choices=("float32", "mixed_bfloat16"), default="mixed_bfloat16")


def main(argv: Sequence[str] | None = None) -> int:
    def measure(args) -> str:
        rows = probe(args.model, args.seq_length, args.batch_size, args.precision, args.steps, args.rounds, args.seed)
        return table(rows, args.model, args.seq_length, args.batch_size, args.precision)

    return probe_main(SCRIPT, "Optimizer probe", __doc__, measure, argv, steps=4, rounds=5,
                      steps_help="timed training steps per round", more_options=precision_option)


if __name__ == "__main__":
    sys.exit(main())

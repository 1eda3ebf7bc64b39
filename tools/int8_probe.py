"""Inference speed of one encoder architecture in four runtimes, to see what lower precision could buy.

``bench`` times this project's pipeline as ``run`` trains and scores by default: Keras, bf16 at best. At 128 tokens,
where no padding is left to remove, that stays short of 3x the float32 tutorial (docs/speed.md). This probe measures,
in one process and on the same random token ids, one classifier (the registry architecture with random weights and
the shared head's dense logit) in:

- Keras float32: the natively rebuilt encoder, every position in every layer, as the tutorial computes it;
- Keras bf16: ``mixed_bfloat16`` with the ``[CLS]``-only last layer, what ``run --precision auto`` trains here;
- TFLite float32: the same weights, ``[CLS]``-only last layer, converted with ``tf.lite.TFLiteConverter`` and run
  by its XNNPACK CPU kernels;
- TFLite int8: the same, with dynamic-range quantization (``Optimize.DEFAULT``): int8 weights, activations
  quantized on the fly.

For each, it reports examples per second (median of rounds), the ratio to Keras float32, and the largest
difference of the logits from Keras float32's. It measures speed and numerical drift only; what int8 does to a
fine-tuned model's accuracy is measured by ``bench``'s accuracy check, with real weights, through the path
``run --inference tflite|tflite-int8`` scores the test set by (``benchmark.training.tflite.from_trained``).

    python tools/int8_probe.py --model small_bert_l4_h512 --seq-length 128 --batch-size 32
"""

from __future__ import annotations

import statistics
import sys
from typing import Callable, Sequence

import numpy as np

from benchmark.core.environment import cpu_threads
from benchmark.encoders.registry import get_spec
from benchmark.speed.rounds import timed_rounds
from probe_cli import probe_main

SCRIPT = "tools/int8_probe.py"


def random_batch(batch_size: int, seq_length: int, vocab_size: int, seed: int) -> dict[str, np.ndarray]:
    """Token ids of full-length reviews, as at 128 tokens nearly every IMDb review is."""
    rng = np.random.default_rng(seed)
    word_ids = rng.integers(1000, vocab_size, (batch_size, seq_length)).astype(np.int32)
    return {"input_word_ids": word_ids, "input_mask": np.ones_like(word_ids),
            "input_type_ids": np.zeros_like(word_ids)}


def keras_classifier(spec, vocab_size: int, batch_size: int, seq_length: int, precision: str, cls_only: bool):
    """The architecture with random weights and a dense logit, built under ``precision``, inputs of fixed shape."""
    import tf_keras  # deferred: TensorFlow, as in every tool (--help stays quick)

    from benchmark.encoders.build import build_encoder
    from benchmark.training.classifier import encoder_inputs
    from benchmark.training.precision import precision_policy

    with precision_policy(precision):
        encoder = build_encoder(spec, vocab_size, cls_only=cls_only)
        inputs = encoder_inputs(seq_length, batch_size)
        logit = tf_keras.layers.Dense(1, dtype="float32", name="classifier")(encoder(inputs)["pooled_output"])
        return tf_keras.Model(inputs, logit)


def examples_per_second(run: Callable[[], object], examples: int, steps: int, rounds: int) -> list[float]:
    """One rate per round of ``steps`` calls, after one untimed call."""
    run()
    rates = timed_rounds({"runtime": lambda: [run() for _ in range(steps)]}, rounds, steps * examples)
    return rates["runtime"]


def probe(key: str, seq_length: int, batch_size: int, steps: int, rounds: int, seed: int) -> list[dict[str, object]]:
    """A row per runtime: name, examples per second (median and rounds), ratio, largest logit difference."""
    import tf_keras

    from benchmark.training.tflite import TfliteClassifier  # deferred: imports TensorFlow

    spec = get_spec(key)
    tf_keras.utils.set_random_seed(seed)
    batch = random_batch(batch_size, seq_length, spec.vocab_size, seed)
    reference = keras_classifier(spec, spec.vocab_size, batch_size, seq_length, "float32", cls_only=False)
    fast = keras_classifier(spec, spec.vocab_size, batch_size, seq_length, "mixed_bfloat16", cls_only=True)
    exact = keras_classifier(spec, spec.vocab_size, batch_size, seq_length, "float32", cls_only=True)
    for model in (fast, exact):
        model.set_weights(reference.get_weights())  # float32 variables either way; same names and shapes
    runtimes: dict[str, Callable[[dict[str, np.ndarray]], np.ndarray]] = {
        "Keras float32": lambda b: reference.predict_on_batch(b),
        "Keras bf16, [CLS]-only last layer": lambda b: fast.predict_on_batch(b),
        "TFLite float32 (XNNPACK), [CLS]-only": TfliteClassifier(exact, quantize=False, threads=cpu_threads()),
        "TFLite int8 dynamic-range, [CLS]-only": TfliteClassifier(exact, quantize=True, threads=cpu_threads()),
    }
    expected = np.asarray(runtimes["Keras float32"](batch), np.float32)
    rows = []
    for name, run in runtimes.items():
        rates = examples_per_second(lambda run=run: run(batch), batch_size, steps, rounds)
        drift = float(np.max(np.abs(np.asarray(run(batch), np.float32) - expected)))
        rows.append({"runtime": name, "examples_per_second": statistics.median(rates), "rounds": rates,
                     "max_logit_difference": drift})
    for row in rows:
        row["vs_keras_float32"] = row["examples_per_second"] / rows[0]["examples_per_second"]
    return rows


def table(rows: list[dict[str, object]], key: str, seq_length: int, batch_size: int) -> str:
    """The rows as a Markdown table under a line saying what was measured."""
    lines = [f"{key} (random weights), {seq_length} tokens, batch {batch_size}: inference only, one process", "",
             "| runtime | ex/s | vs Keras float32 | rounds | max logit difference |", "|---|---:|---:|---|---:|"]
    lines += [f"| {r['runtime']} | {r['examples_per_second']:.1f} | {r['vs_keras_float32']:.2f}x | "
              f"{', '.join(f'{x:.1f}' for x in r['rounds'])} | {r['max_logit_difference']:.2g} |" for r in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    def measure(args) -> str:
        rows = probe(args.model, args.seq_length, args.batch_size, args.steps, args.rounds, args.seed)
        return table(rows, args.model, args.seq_length, args.batch_size)

    return probe_main(SCRIPT, "Inference runtimes probe", __doc__, measure, argv, steps=3, rounds=3,
                      steps_help="timed calls per round")


if __name__ == "__main__":
    sys.exit(main())

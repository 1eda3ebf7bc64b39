"""Training speed with Keras's dropout and with this project's 16-bit dropout masks, side by side.

``benchmark/encoders/bit_dropout.py`` draws each dropout mask from 16 random bits per element instead of a random
float in the input's dtype. This probe measures what that buys in a whole training step, the way
``tools/optimizer_probe.py`` measures the fused embedding update (same model, batches and interleaved rounds;
both with the fused update), and adds the same model with every dropout rate set to 0: what dropout costs at all.

    python tools/dropout_probe.py --model small_bert_l4_h512 --seq-length 128 --batch-size 32
"""

from __future__ import annotations

import sys
from typing import Sequence

from optimizer_probe import Variant, precision_option, probe, table
from probe_cli import probe_main

SCRIPT = "tools/dropout_probe.py"

DROPOUTS = {"Keras dropout (a random float per element)": Variant(fused_sparse=True, dropout="keras"),
            "this project (16 random bits per element)": Variant(fused_sparse=True, dropout="bits"),
            "no dropout (rate 0; for reference only)": Variant(fused_sparse=True, dropout="off")}


def main(argv: Sequence[str] | None = None) -> int:
    def measure(args) -> str:
        rows = probe(args.model, args.seq_length, args.batch_size, args.precision, args.steps, args.rounds, args.seed,
                     DROPOUTS)
        return table(rows, args.model, args.seq_length, args.batch_size, args.precision,
                     column="dropout", versus="vs Keras dropout")

    return probe_main(SCRIPT, "Dropout probe", __doc__, measure, argv, steps=4, rounds=5,
                      steps_help="timed training steps per round", more_options=precision_option)


if __name__ == "__main__":
    sys.exit(main())

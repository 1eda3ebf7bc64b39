"""The command line the speed probes share: the same options, checks, printed table and written Markdown file."""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
from pathlib import Path
from typing import Callable, Sequence

from benchmark.core.atomic import atomic_write_text
from benchmark.core.environment import cpu_name, cpu_threads
from benchmark.core.errors import UsageError


def probe_main(script: str, title: str, doc: str, measure: Callable[[argparse.Namespace], str],
               argv: Sequence[str] | None, steps: int, rounds: int, steps_help: str,
               more_options: Callable[[argparse.ArgumentParser], None] | None = None) -> int:
    """Parse the probe options (``more_options`` adds its own), run ``measure`` (it returns a Markdown table),
    print the table and, with ``--output``, write it under ``title`` with the command and machine; exit code."""
    parser = argparse.ArgumentParser(prog=f"python {script}", description=doc.split("\n\n")[0])
    parser.add_argument("--model", default="small_bert_l4_h512", metavar="KEY", help="registry key")
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    if more_options is not None:
        more_options(parser)
    parser.add_argument("--steps", type=int, default=steps, help=steps_help)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output", type=Path, help="also write the table, with this command, to this Markdown file")
    args = parser.parse_args(argv)
    try:
        for name in ("seq_length", "batch_size", "steps", "rounds"):
            if getattr(args, name) <= 0:
                raise UsageError(f"--{name.replace('_', '-')} must be positive, got {getattr(args, name)}")
        text = measure(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(text)
    if args.output:
        command = shlex.join(["python", script, *(sys.argv[1:] if argv is None else argv)])
        when = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        atomic_write_text(args.output, f"# {title}\n\nMeasured with `{command}` on CPU ({cpu_name()}), "
                          f"{cpu_threads()} threads, {when}.\n\n{text}\n")
        print(f"wrote {args.output}")
    return 0

"""Command line: ``python -m benchmark COMMAND``, one module per command (:data:`SUBCOMMANDS`)."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import sys
from typing import Sequence

from benchmark.cli import bench, build_standin, cache, fetch, import_hf, listing, predict, report, run, serve
from benchmark.cli.common import PROGRAM, os_error_message
from benchmark.core.errors import TrainingInterrupted, UsageError, interrupt_on_sigterm
from benchmark.core.quiet import hide_python_noise, set_verbose

SUBCOMMANDS = (listing, run, report, fetch, build_standin, predict, serve, import_hf, bench, cache)  # in the help's order


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand's parser, each dispatching to its module's ``run`` (``set_defaults(func=...)``)."""
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for subcommand in SUBCOMMANDS:
        subcommand.register(commands)
    for command in commands.choices.values():
        command.add_argument("--verbose", action="store_true",
                             help="show every log line, TensorFlow's start-up messages included (hidden by default "
                                  "on a machine without a GPU, where they are no errors)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # run as a program: SIGTERM stops it like Ctrl-C (a checkpoint is saved mid-training)
        signal.signal(signal.SIGTERM, interrupt_on_sigterm)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.verbose:
        set_verbose()
    hide_python_noise()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    args.command_line = f"{PROGRAM} " + shlex.join(argv)  # recorded in run files and bench results
    try:
        return args.func(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `python -m benchmark list | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except OSError as error:  # a full disk, a read-only folder: one line, never a stack trace
        print(f"error: {os_error_message(error)}", file=sys.stderr)
        return 1
    except TrainingInterrupted as interrupted:
        print(str(interrupted), file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted: finished runs are in the results folder; rerun the same command to skip them and "
              "resume the model in progress from its last checkpoint", file=sys.stderr)
        return 130

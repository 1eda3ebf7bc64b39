"""Where one model process's time goes: ``python -m benchmark run`` with each phase timed, and its peak memory.

    python tools/phase_timer.py --json phases.json [--stop-after-first-step] -- run --model KEY --standins ...

Runs the command in this process (a single model: a suite would time only its parent) with the pipeline's steps
wrapped by timers: imports, data loading, stand-in or weights, tokenizing, building the classifier, the zero-step
evaluation, the first training step (tracing included), the rest of training, testing, recording, exporting.
Writes, as JSON, the seconds of each phase in the order they ran, the seconds from process start to the first
training step and to the end, and the peak resident memory (``ru_maxrss``) at the first step and at the end.
``--stop-after-first-step`` exits right after the first training step (what the token-cache measurement needs).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

# Where each timed step is looked up when it is called: (module, attribute, phase).
PHASES = (
    ("benchmark.cli.run", "load_dataset", "load IMDb"),  # parsing, inside load_cached where there is one
    ("benchmark.cli.run", "load_cached", "load IMDb"),
    ("benchmark.suite.here", "prepare_data", "subsets and splits"),
    ("benchmark.suite.here", "choose_strategy", "strategy"),
    ("benchmark.suite.here", "encoder_source", "stand-in or weights (build or find)"),
    ("benchmark.suite.here", "config_hash", "configuration hash"),
    ("benchmark.training.fine_tune", "describe_environment", "describe environment"),
    ("benchmark.training.fine_tune", "locate_weights", "locate weights"),
    ("benchmark.training.fine_tune", "tokenize", "tokenize (load preprocessor, encode, pack)"),
    ("benchmark.training.fine_tune", "compile_classifier", "build and compile classifier"),
    ("benchmark.training.fine_tune", "resume_or_start", "zero-step evaluation"),
    ("benchmark.training.fine_tune", "fit", "training (first step, rest, validation)"),
    ("benchmark.training.checkpoints", "TrainingState.save", "of which: checkpoint after the epoch"),
    ("benchmark.training.fine_tune", "score_test", "test evaluation"),
    ("benchmark.training.fine_tune", "provenance", "weights provenance (fingerprints)"),
    ("benchmark.suite.here", "write_run", "write run file"),
    ("benchmark.suite.here", "write_leaderboard", "write leaderboard and plots"),
    ("benchmark.suite.here", "save_hook", None),  # the export hook it returns is timed instead
)


class StopAfterFirstStep(BaseException):
    """Raised by the first-step probe when asked to stop there (a BaseException, so the run does not record it as a
    failed model, as it would an Exception)."""


class PhaseTimer:
    """Accumulates the seconds of each phase (re-entrant calls count once) and the first training step."""

    def __init__(self, stop_after_first_step: bool = False) -> None:
        self.start = time.perf_counter() - process_age()
        self.phases: dict[str, float] = {}
        self.first_step: dict[str, float] | None = None
        self.stop_after_first_step = stop_after_first_step
        self._depth: dict[str, int] = {}

    def since_start(self) -> float:
        return time.perf_counter() - self.start

    @contextlib.contextmanager
    def phase(self, name: str):
        self._depth[name] = self._depth.get(name, 0) + 1
        begin = time.perf_counter()
        try:
            yield
        finally:
            self._depth[name] -= 1
            if not self._depth[name]:
                self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - begin

    def timed(self, function: Callable, name: str) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self.phase(name):
                return function(*args, **kwargs)
        return wrapper

    def step_done(self) -> None:
        if self.first_step is None:
            self.first_step = {"seconds_from_process_start": self.since_start(), "peak_rss_mib": peak_rss_mib()}
            if self.stop_after_first_step:
                raise StopAfterFirstStep

    def report(self, status: Any) -> dict[str, Any]:
        return {"phases_seconds": {k: round(v, 2) for k, v in self.phases.items()},
                "first_training_step": self.first_step, "seconds_from_process_start": round(self.since_start(), 2),
                "peak_rss_mib": peak_rss_mib(), "exit": status}


def process_age() -> float:
    """Seconds since this process started (from /proc; 0 where there is none)."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def instrument(timer: PhaseTimer) -> None:
    """Wrap every step of :data:`PHASES`, the export hook and the first training step with ``timer``."""
    for module_name, attribute, name in PHASES:
        owner = importlib.import_module(module_name)
        *path, attribute = attribute.split(".")  # "Class.method" times a method
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, attribute, None)
        if original is None:  # an older version of the package (measuring "before")
            continue
        if name is None:  # save_hook: time the hook it makes
            setattr(owner, attribute, lambda *a, _make=original, **k: (
                None if (hook := _make(*a, **k)) is None else timer.timed(hook, "export fine-tuned model")))
        else:
            setattr(owner, attribute, timer.timed(original, name))
    from benchmark.training.callbacks import StepLoss

    original_batch_end = StepLoss.on_train_batch_end

    def on_train_batch_end(self, batch, logs=None):
        original_batch_end(self, batch, logs)
        timer.step_done()

    StepLoss.on_train_batch_end = on_train_batch_end


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/phase_timer.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, required=True, help="where the phases go")
    parser.add_argument("--stop-after-first-step", action="store_true")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the benchmark command (run ...)")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    timer = PhaseTimer(args.stop_after_first_step)
    with timer.phase("import TensorFlow and the package"):
        import benchmark.cli.main as cli
        import benchmark.suite.here  # noqa: F401 - what a model process imports: TensorFlow, TF-Hub, tf-models
    instrument(timer)
    try:
        status: Any = cli.main(command)
    except StopAfterFirstStep:
        status = "stopped after the first training step"
    except BaseException as error:  # noqa: BLE001 - recorded with the phases so far
        status = f"{type(error).__name__}: {error}"
    report = timer.report(status) | {"command": command}
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0 if status in (0, "stopped after the first training step") else 1


if __name__ == "__main__":
    sys.exit(main())

"""Runs models: skips finished configurations, gives each model of a suite its own process, records failures."""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import difflib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from benchmark.training.baseline import BASELINES, baseline_hash
from benchmark.data.imdb import Imdb
from benchmark.core.errors import UsageError
from benchmark.records.failures import clear_failure, record_failure
from benchmark.encoders.registry import all_specs, get_spec
from benchmark.records.labels import WEIGHTS_STANDIN
from benchmark.records.run import RunResult, load_runs, write_run
from benchmark.encoders.source import EncoderSource, pretrained_source, standin_source, standin_vocab
from benchmark.training.config import RunConfig
from benchmark.training.identity import config_hash
from benchmark.data.prepared import PreparedData

if TYPE_CHECKING:
    from benchmark.training.distribute import Distribution
    from benchmark.deploy.save_policy import SaveHook, SavePolicy

log = logging.getLogger(__name__)

COMMAND_ENV = "TFHUB_BENCH_COMMAND"  # the suite's command, recorded in the run files its child processes write
ERROR_TAIL_LINES = 40
CHILD_STOP_SECONDS = 600  # how long an interrupted suite waits for the model in progress to save its checkpoint
# A child that stopped on an interrupt (exit 130, or killed by SIGINT/SIGTERM before it could catch it) stops the suite.
INTERRUPTED_STATUSES = (130, -signal.SIGINT, -signal.SIGTERM)


def all_model_keys(models_dir: Path | None = None) -> list[str]:
    """What ``--all`` runs: every registered TF-Hub encoder, those imported into ``models_dir``, then the baselines."""
    return [*all_specs(models_dir), *BASELINES]


def model_name(key: str, models_dir: Path | None = None) -> str:
    return BASELINES[key].name if key in BASELINES else get_spec(key, models_dir).name


def resolve_keys(use_all: bool, keys: Sequence[str] | None, models_dir: Path | None = None) -> list[str]:
    """The models to run, in order; an unknown key is a UsageError naming the closest known keys."""
    known = all_model_keys(models_dir)
    if use_all:
        return known
    for key in keys or ():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}?" if close else "see `python -m benchmark list`."
            raise UsageError(f"unknown model '{key}': {hint}")
    return list(dict.fromkeys(keys or ()))


def planned_hash(key: str, args: argparse.Namespace, config: RunConfig, data: PreparedData) -> str | None:
    """The configuration hash of ``key``'s run, without building anything; None when it cannot be known yet
    (the model process then decides)."""
    if key in BASELINES:
        return baseline_hash(BASELINES[key], config, data)
    from benchmark.training.distribute import expected_replicas

    replicas = expected_replicas(args.strategy, args.cpu_replicas)
    if replicas is None:
        return None
    spec = get_spec(key, args.models_dir)
    if not args.standins:
        return config_hash(pretrained_source(spec), config, data, replicas)
    from benchmark.encoders.standins import standin_dir
    from benchmark.core.hashing import file_sha256

    vocab = standin_vocab(spec, args.vocab, args.models_dir, data.train.texts, learn=False)
    if vocab is None:
        return None
    folder = standin_dir(spec, file_sha256(vocab), args.models_dir)
    source = EncoderSource(spec, str(folder / "encoder"), str(folder / "preprocessor"), WEIGHTS_STANDIN)
    return config_hash(source, config, data, replicas)


def completed_run(output_dir: Path, config_hash_: str | None) -> RunResult | None:
    """The newest readable run file with this configuration hash, if any."""
    if not config_hash_:
        return None
    runs, _ = load_runs(output_dir)
    matching = [run for run in runs if run.config_hash == config_hash_]
    return matching[-1] if matching else None


def run_here(key: str, args: argparse.Namespace, config: RunConfig, data: PreparedData, command: str,
             distribution: "Distribution | None" = None,
             on_trained: "SaveHook | None" = None) -> tuple[RunResult, Path | None, bool]:
    """Run ``key`` in this process unless a run file for its configuration exists.

    Returns the result, the run file written (None when skipped, or on a worker that is not the chief) and
    whether it was skipped. Checkpoints are kept only for single-worker runs.
    """
    from benchmark.training.fine_tune import fine_tune
    from benchmark.training.checkpoints import checkpoint_dir

    if key in BASELINES:
        from benchmark.training.baseline import run_baseline

        if not args.force and (done := completed_run(args.output, planned_hash(key, args, config, data))):
            return done, None, True
        result = run_baseline(BASELINES[key], data, config, command)
        checkpoints = None
    else:
        spec = get_spec(key, args.models_dir)
        if args.standins:
            source = standin_source(spec, standin_vocab(spec, args.vocab, args.models_dir, data.train.texts, True),
                                    args.models_dir)
        else:
            source = pretrained_source(spec)
        identity = config_hash(source, config, data, distribution.replicas if distribution is not None else 1)
        if not args.force and (done := completed_run(args.output, identity)):
            return done, None, True
        single_worker = distribution is None or distribution.workers == 1
        checkpoints = checkpoint_dir(args.output, identity) if single_worker else None
        result = fine_tune(source, data, config, command, distribution, on_trained=on_trained,
                           checkpoints=checkpoints)
        if distribution is not None and not distribution.is_chief:
            return result, None, False
    path = write_run(result, args.output)
    clear_failure(args.output, key, config.seed)
    if checkpoints is not None:
        shutil.rmtree(checkpoints, ignore_errors=True)
        with contextlib.suppress(OSError):
            checkpoints.parent.rmdir()  # only when no other run left checkpoints
    return result, path, False


def passthrough_args(argv: Sequence[str]) -> list[str]:
    """The ``run`` arguments without the job selection (``--all``, ``--model``, ``--seed``, ``--seeds``)."""
    selection = argparse.ArgumentParser(add_help=False)
    selection.add_argument("--all", action="store_true")
    selection.add_argument("--model", action="append")
    selection.add_argument("--seed")
    selection.add_argument("--seeds", nargs="+")
    argv = list(argv)
    if argv and argv[0] == "run":
        argv = argv[1:]
    _, rest = selection.parse_known_args(argv)
    return rest


def _failure_message(returncode: int, tail: Sequence[str]) -> str:
    errors = [line.strip() for line in tail if line.startswith("error:")]
    if returncode < 0:
        name = signal.Signals(-returncode).name
        hint = " (out of memory, or killed)" if -returncode == signal.SIGKILL else ""
        last = f"; last output: {tail[-1].strip()[:200]}" if tail else ""
        return f"process killed by {name}{hint}{last}"
    if errors:
        return errors[-1].removeprefix("error:").strip()
    lines = [line.strip() for line in tail if line.strip()]
    return f"exit status {returncode}" + (f": {lines[-1][:300]}" if lines else "")


def _relay(child: subprocess.Popen, tail: collections.deque[str]) -> int:
    """Copy the child's stderr to ours (keeping the last lines) until it exits; return its status."""
    for line in child.stderr:
        sys.stderr.write(line)
        tail.append(line)
    return child.wait()


def run_child(key: str, seed: int, passthrough: Sequence[str], command: str,
              suite_id: str | None = None) -> tuple[int, str]:
    """Run ``key`` in a child ``python -m benchmark run`` process; stream its stderr; return its status and error.

    Interrupted (Ctrl-C, SIGTERM), the suite passes the interrupt on and gives the child up to
    :data:`CHILD_STOP_SECONDS` to save its checkpoint, then raises ``KeyboardInterrupt``; a second Ctrl-C kills it.
    """
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, **{COMMAND_ENV: command})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    argv = [sys.executable, "-m", "benchmark", "run", "--model", key, "--seed", str(seed), "--suite-child",
            *(["--suite-id", suite_id] if suite_id else []), *passthrough]
    tail: collections.deque[str] = collections.deque(maxlen=ERROR_TAIL_LINES)
    with subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True, errors="replace") as child:
        try:
            returncode = _relay(child, tail)
        except KeyboardInterrupt:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)  # a terminal's Ctrl-C reached it too: it ignores the repeat
            deadline = threading.Timer(CHILD_STOP_SECONDS, child.kill)
            deadline.start()
            try:
                _relay(child, tail)
            finally:
                deadline.cancel()
                child.kill()
                child.wait()
            raise
        except BaseException:
            child.kill()
            child.wait()
            raise
    if returncode in INTERRUPTED_STATUSES:
        raise KeyboardInterrupt(f"{key} was interrupted")
    return returncode, "" if returncode == 0 else _failure_message(returncode, tail)


def print_exports(policy: "SavePolicy | None") -> None:
    """One line per model exported under ``policy`` (by this process or a suite's children)."""
    if policy is None:
        return
    from benchmark.deploy.save_policy import suite_exports

    for export in suite_exports(policy):
        label = " [stand-in: random weights]" if export.card.is_standin else ""
        print(f"exported {export.card.key}{label} ({export.card.selection}) -> {export.path}", flush=True)


def run_suite(jobs: Sequence[tuple[str, int]], args: argparse.Namespace, config: RunConfig, imdb: Imdb,
              command: str, argv: Sequence[str], policy: "SavePolicy | None" = None) -> int:
    """Each (model, seed) in its own process: finished configurations skipped, crashes recorded, the rest go on.

    With a save ``policy``, the children export under its suite id (best of the suite, or every model).
    """
    from benchmark.leaderboard.write import write_leaderboard
    from benchmark.data.prepared import prepare_data

    passthrough = passthrough_args(argv)
    ran = skipped = 0
    failed: list[str] = []
    several_seeds = len({seed for _, seed in jobs}) > 1
    for position, (key, seed) in enumerate(jobs, 1):
        label = f"{key} (seed {seed})" if several_seeds else key
        seeded = dataclasses.replace(config, seed=seed)
        identity = planned_hash(key, args, seeded, prepare_data(imdb, seeded))
        if not args.force and (done := completed_run(args.output, identity)):
            skipped += 1
            log.info("[%d/%d] %s: skipped, run file %s.json has this configuration (%s); --force reruns",
                     position, len(jobs), label, done.run_id, identity)
            continue
        log.info("[%d/%d] %s: starting in its own process", position, len(jobs), label)
        returncode, error = run_child(key, seed, passthrough, command, policy.suite_id if policy else None)
        if returncode == 0:
            ran += 1
            continue
        failed.append(label)
        record_failure(args.output, key, model_name(key, args.models_dir), identity or "", error, command, seed)
        log.error("%s failed: %s", label, error)
    print_exports(policy)
    page, _ = write_leaderboard(args.output)
    print(f"suite: {ran} run, {skipped} skipped (already done), {len(failed)} failed"
          + (f" ({', '.join(failed)})" if failed else "") + f" -> {page}", flush=True)
    return 1 if failed else 0

"""One model of a ``run`` in this process: skipped when done, else trained, recorded, exported, or a failed row."""

from __future__ import annotations

import dataclasses
import logging
import os
import traceback
from pathlib import Path

from benchmark.core.errors import UsageError, root_cause
from benchmark.data.dataset import Loaded
from benchmark.data.prepared import PreparedData, prepare_data
from benchmark.deploy.save_policy import SaveHook, SavePolicy, save_hook, save_policy
from benchmark.encoders.registry import get_spec
from benchmark.encoders.source import encoder_source
from benchmark.leaderboard.write import write_leaderboard
from benchmark.records.failures import clear_failure, record_failure
from benchmark.records.run import RunResult, write_run
from benchmark.suite.options import KEEP_CHECKPOINTS_ENV, RunOptions
from benchmark.suite.plan import completed_run, model_name, planned_hash
from benchmark.training.baseline import BASELINES, run_baseline
from benchmark.training.checkpoint_store import checkpoint_dir, remove_checkpoints
from benchmark.training.config import RunConfig
from benchmark.training.distribute import Distribution, choose_strategy
from benchmark.training.fine_tune import fine_tune
from benchmark.training.identity import config_hash
from benchmark.training.tensorboard_events import write_events

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What running one model here did.

    Args:
      result: Its run (the earlier one when skipped); None when it failed.
      path: The run file written; None when skipped, failed, or on a worker that is not the chief.
      skipped: A run file for its configuration existed.
      page: The leaderboard page, rewritten (None on a worker that is not the chief).
      error: One line saying why it failed, else None.
      policy: The export policy it ran under.
    """

    result: RunResult | None
    path: Path | None
    skipped: bool
    page: Path | None
    error: str | None = None
    policy: SavePolicy | None = None


def run_here(key: str, config: RunConfig, data: PreparedData, command: str, options: RunOptions,
             distribution: Distribution | None = None,
             on_trained: SaveHook | None = None) -> tuple[RunResult, Path | None, bool]:
    """Run ``key`` in this process unless a run file for its configuration exists.

    Returns the result, the run file written (None when skipped, or on a worker that is not the chief) and
    whether it was skipped. Checkpoints are kept only for single-worker runs.
    """
    if key in BASELINES:
        if not options.force and (done := completed_run(options.output, planned_hash(key, config, data, options))):
            return done, None, True
        result = run_baseline(BASELINES[key], data, config, command)
        checkpoints = None
    else:
        spec = get_spec(key, options.models_dir)
        source = encoder_source(spec, options.standins, options.vocab, options.models_dir, data.train.texts)
        identity = config_hash(source, config, data, distribution.replicas if distribution is not None else 1)
        if not options.force and (done := completed_run(options.output, identity)):
            return done, None, True
        single_worker = distribution is None or distribution.workers == 1
        checkpoints = checkpoint_dir(options.output, identity, options.checkpoint_dir) if single_worker else None
        result = fine_tune(source, data, config, command, distribution, on_trained=on_trained,
                           checkpoints=checkpoints)
        if distribution is not None and not distribution.is_chief:
            return result, None, False
    path = write_run(result, options.output)
    write_events(result, options.output)
    clear_failure(options.output, key, config.seed, data.info.key)
    if checkpoints is not None and not os.environ.get(KEEP_CHECKPOINTS_ENV):  # else the suite's driver deletes them
        remove_checkpoints(checkpoints)
    return result, path, False


def run_one(key: str, seed: int, config: RunConfig, loaded: Loaded, command: str, options: RunOptions) -> Outcome:
    """Run ``key`` on ``loaded`` with ``seed`` here: a crash other than bad input becomes a failed row of the
    leaderboard."""
    config = dataclasses.replace(config, seed=seed)
    data = prepare_data(loaded, config)
    log.info("data: %s", ", ".join(f"{k}={v}" for k, v in data.describe().items()))
    distribution = None
    if key not in BASELINES:
        distribution = choose_strategy(options.strategy, options.cpu_replicas)  # before any other TensorFlow work
        log.info("strategy: %s, %d replica(s) on %s", distribution.name, distribution.replicas,
                 ", ".join(distribution.devices))
    # A suite's child exports under the suite's policy (its id and mode come from the parent); alone, its own.
    policy = (SavePolicy(Path(options.models_dir), "every" if options.save_model else "best", options.suite_id)
              if options.suite_id else save_policy(options.save_model, 1, options.models_dir))
    chief = distribution is None or distribution.is_chief
    on_trained = save_hook(policy) if policy and chief and key not in BASELINES else None
    log.info("%s on %s, seed %d%s", model_name(key, options.models_dir), data.info.key, seed,
             " - stand-in, random weights" if options.standins and key not in BASELINES else "")
    try:
        result, path, skipped = run_here(key, config, data, command, options, distribution, on_trained)
    except UsageError:
        raise
    except Exception as error:  # noqa: BLE001 - recorded as a failed row, reported in one line
        message = root_cause(error)  # the innermost meaningful error, not a Keras wrapper's first line
        log.error("%s", "".join(traceback.format_exception(error)).rstrip())
        record_failure(options.output, key, model_name(key, options.models_dir), "", message, command, seed,
                       data.info.key)
        write_leaderboard(options.output)
        return Outcome(None, None, False, None, message, policy)
    if path is None and not skipped:
        return Outcome(result, None, False, None, policy=policy)
    page, _ = write_leaderboard(options.output)
    return Outcome(result, path, skipped, page, policy=policy)

"""``report --mlflow URI``: every run file as an MLflow run (parameters, test metrics, the per-epoch history as
metric steps, the run file and its dataset's plots as artifacts, tagged with the configuration hash).

Idempotent by run id: a run already logged completely is skipped. Nothing half-logged: a run is marked complete
(tag ``tfhub_bench.complete``) only after everything of it was logged; a run left incomplete by an earlier failure is
deleted and logged again, and one that fails now is deleted before the error is reported. The store is probed
before anything is written, so a malformed or unreachable URI is one ``error:`` line.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

from benchmark.core.errors import UsageError
from benchmark.core.paths import PLOTS_FOLDER
from benchmark.records.run import RunResult, run_path

EXPERIMENT = "tfhub-bench"
RUN_ID_TAG, COMPLETE_TAG, HASH_TAG = "tfhub_bench.run_id", "tfhub_bench.complete", "tfhub_bench.config_hash"
SCHEMES = ("file", "sqlite", "http", "https")
PARAM_LIMIT = 500  # characters of a parameter value kept (MLflow stores longer ones, its UI does not show them)
TEST_METRICS = ("accuracy", "loss", "roc_auc")


def tracking_uri(text: str) -> str:
    """``text`` as an MLflow tracking URI: a local folder (made absolute, ``file:``), ``sqlite:///file.db`` or an
    ``http(s)://`` server. Raises :class:`UsageError` for anything else."""
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", text)
    if scheme is None:
        folder = Path(text).expanduser().resolve()
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"--mlflow {text}: is a file, not a folder for an MLflow store")
        return folder.as_uri()
    if scheme.group(1).lower() not in SCHEMES:
        raise UsageError(f"--mlflow {text}: unsupported scheme '{scheme.group(1)}://' (use a folder, "
                         "sqlite:///file.db, or an http(s):// tracking server)")
    if text.startswith("sqlite:") and not text.startswith("sqlite:///"):
        raise UsageError(f"--mlflow {text}: a SQLite store is sqlite:///relative.db or sqlite:////absolute.db")
    if text.startswith("sqlite:///") and not Path(text[len("sqlite:///"):]).parent.resolve().is_dir():
        raise UsageError(f"--mlflow {text}: the folder for the database file does not exist")
    return text


def connect(text: str):
    """An ``MlflowClient`` for ``text``, probed: raises :class:`UsageError` when MLflow is missing or the store
    cannot be reached or opened."""
    uri = tracking_uri(text)
    if uri.startswith("file:"):  # asked for by name: MLflow 3 keeps its folder store behind this switch
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # an unreachable server fails at once
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
    try:
        from mlflow.tracking import MlflowClient  # deferred: the optional extra, pip install -e ".[mlflow]"
    except ImportError:
        raise UsageError('--mlflow needs MLflow: pip install -e ".[mlflow]"') from None
    client = MlflowClient(tracking_uri=uri)
    try:
        client.search_experiments(max_results=1)
    except Exception as error:  # noqa: BLE001 - whatever the store raises, it is one line for the user
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        raise UsageError(f"--mlflow {text}: cannot reach the MLflow store ({first})") from None
    return client


def artifact_location(uri: str) -> str | None:
    """Where a new experiment keeps its artifacts: beside a SQLite file (``<name>-artifacts/``; MLflow's default
    would be ``./mlruns`` in whatever folder the command runs in); the store's or the server's own otherwise."""
    if not uri.startswith("sqlite:///"):
        return None
    database = Path(uri[len("sqlite:///"):]).resolve()
    return (database.parent / f"{database.stem}-artifacts").as_uri()


def _experiment(client) -> str:
    found = client.get_experiment_by_name(EXPERIMENT)
    if found is not None:
        return found.experiment_id
    return client.create_experiment(EXPERIMENT, artifact_location=artifact_location(client.tracking_uri))


def _params(run: RunResult) -> dict[str, str]:
    params: dict[str, Any] = {"model": run.key, "weights": run.weights, "dataset": run.dataset_key,
                              "encoder_handle": run.encoder_handle, "test_examples": run.data.get("test_examples")}
    params |= {f"hp.{name}": value for name, value in run.hyperparameters.items() if not isinstance(value, dict)}
    return {name: str(value)[:PARAM_LIMIT] for name, value in params.items() if value is not None}


def _metrics(run: RunResult, timestamp: int) -> list:
    from mlflow.entities import Metric

    last = max(len(run.history), 1)
    metrics = [Metric(f"test_{name}", float(run.test[name]), timestamp, last)
               for name in TEST_METRICS if isinstance(run.test.get(name), (int, float))]
    if isinstance(run.test.get("macro"), dict):
        metrics.append(Metric("test_macro_f1", float(run.test["macro"]["f1"]), timestamp, last))
    for row in run.history:
        metrics += [Metric(name, float(value), timestamp, int(row["epoch"])) for name, value in row.items()
                    if name != "epoch" and isinstance(value, (int, float))]
    metrics += [Metric(f"timing_{name}", float(value), timestamp, last) for name, value in run.timing.items()
                if isinstance(value, (int, float))]
    return metrics


def _logged(client, experiment: str) -> dict[str, list[Any]]:
    """The experiment's (active) MLflow runs by their tfhub-bench run id."""
    found: dict[str, list[Any]] = {}
    token = None
    while True:
        page = client.search_runs([experiment], max_results=1000, page_token=token)
        for mlflow_run in page:
            found.setdefault(mlflow_run.data.tags.get(RUN_ID_TAG), []).append(mlflow_run)
        token = page.token
        if not token:
            return found


def _log_one(client, experiment: str, run: RunResult, output_dir: Path, plots: Iterable[Path]) -> None:
    from mlflow.entities import Param, RunTag

    started = int(time.time() * 1000)
    created = client.create_run(experiment, run_name=run.run_id, tags={RUN_ID_TAG: run.run_id})
    mlflow_id = created.info.run_id
    try:
        tags = [RunTag(HASH_TAG, run.config_hash), RunTag("tfhub_bench.created", run.created)]
        client.log_batch(mlflow_id, params=[Param(k, v) for k, v in _params(run).items()], tags=tags)
        metrics = _metrics(run, started)
        for start in range(0, len(metrics), 500):
            client.log_batch(mlflow_id, metrics=metrics[start:start + 500])
        client.log_artifact(mlflow_id, str(run_path(output_dir, run.run_id)))
        for plot in plots:
            client.log_artifact(mlflow_id, str(plot), "plots")
        client.set_tag(mlflow_id, COMPLETE_TAG, "true")
        client.set_terminated(mlflow_id)
    except Exception:
        client.delete_run(mlflow_id)  # nothing half-logged
        raise


def _plots(output_dir: Path, dataset: str, several: bool) -> list[Path]:
    """The leaderboard's plots of ``dataset`` that are there."""
    from benchmark.leaderboard.plots import CONFUSION, FRONTIER, TRAINING_CURVES, plot_file

    files = [Path(output_dir) / PLOTS_FOLDER / plot_file(name, dataset, several)
             for name in (TRAINING_CURVES, FRONTIER, CONFUSION)]
    return [path for path in files if path.is_file()]


def log_runs(client, runs: Sequence[RunResult], output_dir: Path) -> tuple[int, int]:
    """Log each of ``runs`` not logged completely before, with its dataset's plots; return (logged, already
    there)."""
    several = len({run.dataset_key for run in runs}) > 1
    experiment = _experiment(client)
    logged = _logged(client, experiment)
    done = skipped = 0
    complete = set()
    for run_id, mlflow_runs in logged.items():
        for mlflow_run in mlflow_runs:
            if mlflow_run.data.tags.get(COMPLETE_TAG) == "true":
                complete.add(run_id)
            else:
                client.delete_run(mlflow_run.info.run_id)  # half-logged by an interrupted report
    for run in runs:
        if run.run_id in complete:
            skipped += 1
            continue
        _log_one(client, experiment, run, output_dir, _plots(output_dir, run.dataset_key, several))
        done += 1
    return done, skipped

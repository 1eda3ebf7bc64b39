"""``report --mlflow``: every run file becomes an MLflow run in a real local store, once; bad URIs are one line."""

import json
import socket

import numpy as np
import pytest

from benchmark.cli.main import main
from benchmark.records.run import write_run
from test_paired import paired_run

pytestmark = pytest.mark.slow  # SQLite stores run MLflow's schema migrations (seconds each)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mlflow") / "results"
    rng = np.random.default_rng(4)
    labels = np.array([0, 1] * 50)
    for key, share in (("alpha", 0.9), ("beta", 0.7)):
        run = paired_run(key, rng.random(100) < share, labels)
        run.history.extend([{"epoch": 1, "seconds": 2.0, "train_loss": 0.6, "validation_accuracy": share - 0.1},
                            {"epoch": 2, "seconds": 2.0, "train_loss": 0.4, "validation_accuracy": share}])
        write_run(run, folder)
    return folder


def _mlflow_runs(uri):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("tfhub-bench")
    return client, client.search_runs([experiment.experiment_id])


def test_report_logs_every_run_once_to_a_sqlite_store(results, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where MLflow would put artifacts by default (./mlruns)
    uri = "sqlite:///store/runs.db"
    (tmp_path / "store").mkdir()
    assert main(["report", "--output", str(results), "--mlflow", uri]) == 0
    assert "mlflow: logged 2 runs, 0 already there" in capsys.readouterr().out
    # A run left incomplete by an interrupted report: replaced, not duplicated.
    client, _ = _mlflow_runs(uri)
    experiment = client.get_experiment_by_name("tfhub-bench").experiment_id
    client.create_run(experiment, tags={"tfhub_bench.run_id": "alpha-42"})
    client.create_run(experiment, tags={"tfhub_bench.run_id": "gamma-42"})  # a run file that was then deleted
    for _ in range(2):
        assert main(["report", "--output", str(results), "--mlflow", uri]) == 0
        assert "mlflow: logged 0 runs, 2 already there" in capsys.readouterr().out

    client, runs = _mlflow_runs(uri)
    assert sorted(run.data.tags["tfhub_bench.run_id"] for run in runs) == ["alpha-42", "beta-42"]
    alpha = next(run for run in runs if run.data.tags["tfhub_bench.run_id"] == "alpha-42")
    assert alpha.data.tags["tfhub_bench.config_hash"] == "alpha" and alpha.data.tags["tfhub_bench.complete"] == "true"
    assert alpha.data.params["model"] == "alpha" and alpha.data.params["hp.seed"] == "42"
    assert alpha.data.metrics["test_accuracy"] == pytest.approx(
        json.loads((results / "runs" / "alpha-42.json").read_text())["test"]["accuracy"])
    history = client.get_metric_history(alpha.info.run_id, "validation_accuracy")
    assert [(m.step, m.value) for m in sorted(history, key=lambda m: m.step)] == [(1, pytest.approx(0.8)),
                                                                                  (2, pytest.approx(0.9))]
    artifacts = [item.path for item in client.list_artifacts(alpha.info.run_id)]
    plots = [item.path for item in client.list_artifacts(alpha.info.run_id, "plots")]
    assert "alpha-42.json" in artifacts and "plots/confusion_matrices.png" in plots
    # The artifacts are beside the database file, not in ./mlruns of whatever folder the report ran in.
    assert (tmp_path / "store" / "runs-artifacts" / alpha.info.run_id / "artifacts" / "alpha-42.json").is_file()
    assert not (tmp_path / "mlruns").exists()


def test_report_logs_to_a_local_folder(results, tmp_path, capsys):
    store = tmp_path / "mlruns"
    for _ in range(2):
        assert main(["report", "--output", str(results), "--mlflow", str(store)]) == 0
    assert "logged 0 runs, 2 already there" in capsys.readouterr().out
    assert len(_mlflow_runs(store.as_uri())[1]) == 2


def test_bad_uri_is_one_error_line_and_nothing_written(tmp_path, capsys):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    empty = tmp_path / "results"
    for uri, message in ((f"http://127.0.0.1:{port}", "cannot reach the MLflow store"),
                         ("ftp://example/x", "unsupported scheme 'ftp://'"),
                         ("sqlite:///no/such/folder/x.db", "the folder for the database file does not exist")):
        assert main(["report", "--output", str(empty), "--mlflow", uri]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: --mlflow") and message in err[0], err
    assert not empty.exists()

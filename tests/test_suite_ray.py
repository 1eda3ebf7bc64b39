"""``run --executor ray`` on a real local Ray cluster: a head and two worker nodes declaring two logical GPUs each.

The suite's command line runs in a subprocess, as a user runs it, and connects to the cluster with ``--ray-address``;
one cluster serves the module (the tests share an xdist group: ``--dist loadgroup`` keeps them on one worker).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pytest
import ray
from ray.cluster_utils import Cluster

from benchmark.core.errors import UsageError
from benchmark.records.run import SCHEMA_VERSION
from benchmark.suite.executor import ExecutorSettings
from benchmark.suite.ray_task import sweep_scratch
from benchmark.training.checkpoints import read_progress
from benchmark.training.interrupts import FAULT_ENV
from conftest import TINY_MODEL, run_cli
from test_suite_cli import TINY_RUN, _models_with

pytestmark = pytest.mark.xdist_group("ray")

MB = 1024**2
NODE = dict(num_cpus=2, num_gpus=2, object_store_memory=80 * MB)


@pytest.fixture(scope="module")
def cluster():
    """A head that runs no job (no CPU) and two worker nodes with 2 CPUs and 2 logical GPUs each."""
    cluster = Cluster(initialize_head=True, head_node_args=dict(num_cpus=0, object_store_memory=80 * MB,
                                                                include_dashboard=False))
    try:
        for _ in range(2):
            cluster.add_node(**NODE)
        yield cluster
    finally:
        cluster.shutdown()
        ray.shutdown()


def _runs(output: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted((output / "runs").glob("*.json"))]


def _leftovers(output: Path) -> list[Path]:
    """Temporary files an atomic write left behind (none may be)."""
    return [path for path in output.rglob("*") if path.name.endswith(".tmp")]


def _interval(run: dict) -> tuple[float, float]:
    start = datetime.fromisoformat(run["placement"]["started"]).timestamp()
    return start, start + run["placement"]["seconds"]


def _most_at_once(runs: list[dict]) -> int:
    events = sorted([(start, 1) for start, _ in map(_interval, runs)] + [(end, -1) for _, end in map(_interval, runs)],
                    key=lambda event: (event[0], event[1]))
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def _scratch_folders() -> set[Path]:
    """The jobs' scratch folders on the nodes (the test cluster's nodes share this machine's temporary folder)."""
    return set(Path(tempfile.gettempdir()).glob("tfhub-bench-job-*"))


def _new_scratch_left(before: set[Path], seconds: float = 60) -> set[Path]:
    """Scratch folders made since ``before`` that are still there once their jobs' workers had ``seconds`` to end and
    the sweep that every next job on a machine runs had its turn: a cancelled job removes its own, a killed worker's
    is swept once the worker is dead (a lost node's workers may take a while to die)."""
    deadline = time.monotonic() + seconds
    while True:
        sweep_scratch()  # what the next job on this machine does first
        left = _scratch_folders() - before
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


def _ray_args(cluster) -> tuple[str, ...]:
    return ("--executor", "ray", "--ray-address", cluster.address, "--gpus-per-job", "1")


@pytest.mark.slow
def test_a_suite_on_ray_matches_the_local_executor(cluster, tmp_path, aclimdb, tiny_vocab, tiny_standin):
    """4 stand-in jobs (2 rates x 2 seeds) and tfidf_logreg (2 seeds), at most 2 at once, over 4 logical GPUs."""
    _models_with(tiny_standin, tmp_path)
    suite = ("run", "--model", TINY_MODEL, "--model", "tfidf_logreg", "--seeds", "1", "2",
             "--learning-rates", "0.001", "0.003", "--data-dir", str(aclimdb), "--vocab", str(tiny_vocab),
             "--epochs", "1", *TINY_RUN)
    result = run_cli(*suite, *_ray_args(cluster), "--max-parallel", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "suite: 6 run, 0 skipped (already done), 0 failed" in result.stdout
    runs = _runs(tmp_path / "out")
    assert len(runs) == 6 and len({run["config_hash"] for run in runs}) == 6  # exactly one run file per job
    worker_ids = {node.node_id for node in cluster.worker_nodes}
    for run in runs:
        placement = run["placement"]
        assert placement["executor"] == "ray" and placement["node_id"] in worker_ids, placement
        assert placement["devices"] in ("0", "1") and placement["gpus"] == 1
        assert "--executor ray" in run["command"] and run["schema_version"] == SCHEMA_VERSION
    assert _most_at_once(runs) <= 2
    for a in runs:  # jobs on one node at the same time each had a GPU of their own
        for b in runs:
            overlap = _interval(a)[0] < _interval(b)[1] and _interval(b)[0] < _interval(a)[1]
            if a is not b and overlap and a["placement"]["node_id"] == b["placement"]["node_id"]:
                assert a["placement"]["devices"] != b["placement"]["devices"]
    assert "started on" in result.stdout + result.stderr  # Ray relays the workers' lines
    assert "suite: 6 done, 0 running, 0 pending, 0 failed" in result.stderr  # the whole grid in one Ray session
    assert not _leftovers(tmp_path / "out")

    # The local executor plans the very same configurations: it skips every job the Ray suite ran.
    local = run_cli(*suite, cwd=tmp_path)
    assert local.returncode == 0 and "suite: 0 run, 6 skipped (already done), 0 failed" in local.stdout, local.stderr
    # tfidf_logreg is deterministic: the local executor's own runs score exactly what the Ray ones did.
    alone = run_cli("run", "--model", "tfidf_logreg", "--seed", "2", "--data-dir", str(aclimdb), *TINY_RUN[1:-4],
                    "--output", "local", cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr[-3000:]
    (here,) = _runs(tmp_path / "local")
    (there,) = [run for run in runs if run["model"]["key"] == "tfidf_logreg" and run["hyperparameters"]["seed"] == 2]
    assert (here["config_hash"], here["test"]) == (there["config_hash"], there["test"])
    board = (tmp_path / "out" / "leaderboard.csv").read_text()
    assert TINY_MODEL in board and "tfidf_logreg" in board


def _start(command: tuple[str, ...], cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    return subprocess.Popen([sys.executable, "-m", "benchmark", *command], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def _read_until_started(process: subprocess.Popen) -> tuple[str, list[str]]:
    """The driver's output up to its first "started on" line; that line's node id prefix."""
    lines = []
    for line in process.stdout:
        lines.append(line)
        if ": started on " in line:
            return line.split(", node ")[1].split(")")[0], lines
    raise AssertionError("".join(lines)[-3000:])


@pytest.mark.slow
def test_a_job_whose_node_is_removed_completes_on_another_node(cluster, tmp_path, aclimdb):
    command = ("run", "--model", "tfidf_logreg", "--seed", "7", "--data-dir", str(aclimdb), *TINY_RUN[1:],
               *_ray_args(cluster))
    scratch = _scratch_folders()
    driver = _start(command, tmp_path)
    node_prefix, lines = _read_until_started(driver)
    (node,) = [node for node in cluster.worker_nodes if node.node_id.startswith(node_prefix)]
    cluster.remove_node(node, allow_graceful=False)  # the job's worker and its child die with the node
    try:
        lines += list(driver.stdout)
        assert driver.wait(timeout=300) == 0, "".join(lines)[-3000:]
        (run,) = _runs(tmp_path / "out")
        assert run["placement"]["node_id"] not in (node.node_id, cluster.head_node.node_id)
        assert not (tmp_path / "out" / "failed").exists() and not _leftovers(tmp_path / "out")
        assert not _new_scratch_left(scratch)  # the killed worker's is swept (by the next job on its machine)
    finally:
        cluster.add_node(**NODE)


@pytest.mark.slow
def test_an_interrupted_driver_leaves_no_partial_file_and_the_rerun_completes(cluster, tmp_path, aclimdb):
    command = ("run", "--model", "tfidf_logreg", "--seeds", "1", "2", "--data-dir", str(aclimdb), *TINY_RUN[1:],
               *_ray_args(cluster), "--max-parallel", "2")
    scratch = _scratch_folders()
    driver = _start(command, tmp_path)
    _, lines = _read_until_started(driver)
    driver.send_signal(signal.SIGTERM)  # a scheduler stops the driver alone: it cancels its tasks
    lines += list(driver.stdout)
    text = "".join(lines)
    assert driver.wait(timeout=300) == 130, text[-3000:]
    assert "interrupted" in text and "Traceback" not in text
    out = tmp_path / "out"
    assert not _leftovers(out) and not (out / "failed").exists() and len(_runs(out)) <= 1
    assert not _new_scratch_left(scratch)  # a cancelled job's scratch folder (its checkpoints) is gone

    rerun = run_cli(*command, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert sorted(run["hyperparameters"]["seed"] for run in _runs(out)) == [1, 2]  # one run file per job
    assert not _leftovers(out)


def _failure(output: Path, seed: int) -> str:
    return json.loads((output / "failed" / f"{TINY_MODEL}-seed{seed}.json").read_text())["error"]


@pytest.mark.slow
def test_faults_on_ray_are_failed_rows_run_once_and_a_killed_job_resumes_from_the_checkpoint_dir(
        cluster, tmp_path, aclimdb, tiny_vocab, tiny_standin, monkeypatch):
    _models_with(tiny_standin, tmp_path)
    job = ("run", "--model", TINY_MODEL, "--data-dir", str(aclimdb), "--vocab", str(tiny_vocab), *TINY_RUN,
           *_ray_args(cluster))
    out, shared, scratch = tmp_path / "out", tmp_path / "shared", _scratch_folders()
    # The job's own error (NaN loss): a failed row with its cause, not retried (one start).
    monkeypatch.setenv(FAULT_ENV, f"nan-weights-at-step:{TINY_MODEL}:2")
    nan = run_cli(*job, "--seed", "1", "--epochs", "1", cwd=tmp_path)
    assert nan.returncode == 1 and (nan.stdout + nan.stderr).count(": started on ") == 1, nan.stderr[-3000:]
    assert _failure(out, 1).startswith("TrainingDiverged: training loss became nan")
    # SIGKILL, as the OOM killer sends it, mid-epoch 2 (32 reviews in batches of 8: step 6): a failed row saying so.
    monkeypatch.setenv(FAULT_ENV, f"kill-at-step:{TINY_MODEL}:6")
    killed_job = (*job, "--seed", "2", "--epochs", "2", "--checkpoint-dir", str(shared))
    killed = run_cli(*killed_job, cwd=tmp_path)
    assert killed.returncode == 1 and (killed.stdout + killed.stderr).count(": started on ") == 1, \
        killed.stderr[-3000:]
    assert _failure(out, 2).startswith("process killed by SIGKILL (out of memory, or killed)")
    (checkpoint,) = shared.iterdir()  # in --checkpoint-dir, not in the job's scratch folder
    assert read_progress(checkpoint)["epochs_done"] == 1
    # The same command resumes from --checkpoint-dir; the driver deletes the folder once the run file is written.
    monkeypatch.delenv(FAULT_ENV)
    resumed = run_cli(*killed_job, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    (run,) = [run for run in _runs(out) if run["hyperparameters"]["seed"] == 2]
    assert run["resumed_from_epoch"] == 1 and run["config_hash"] == checkpoint.name
    assert shared.is_dir() and not list(shared.iterdir()) and not (out / "failed" / f"{TINY_MODEL}-seed2.json").exists()
    assert not _new_scratch_left(scratch) and not _leftovers(out)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bad_input(result: subprocess.CompletedProcess, tmp_path: Path, words: str) -> None:
    assert result.returncode == 2, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and words in errors[0], result.stderr[-3000:]
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_bad_executor_input_is_one_error_line_and_writes_nothing(cluster, tmp_path, aclimdb):
    command = ("run", "--model", "tfidf_logreg", "--seeds", "1", "2", "--data-dir", str(aclimdb), *TINY_RUN[1:])
    _bad_input(run_cli(*command, "--executor", "ray", "--ray-address", f"127.0.0.1:{_closed_port()}", cwd=tmp_path),
               tmp_path, "cannot reach the Ray cluster")
    _bad_input(run_cli(*command, "--executor", "ray", "--ray-address", cluster.address, "--gpus-per-job", "3",
                       cwd=tmp_path), tmp_path, "no node of the Ray cluster has that many GPUs")
    _bad_input(run_cli(*command, "--max-parallel", "2", cwd=tmp_path), tmp_path, "need(s) --executor ray")
    # Ray not installed: its import fails as it would without the package.
    without_ray = ("import sys; sys.modules['ray'] = None; from benchmark.cli.main import main; "
                   "sys.exit(main(sys.argv[1:]))")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    result = subprocess.run([sys.executable, "-c", without_ray, *command, "--executor", "ray"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=300)
    _bad_input(result, tmp_path, 'pip install -e ".[ray]"')


@pytest.mark.parametrize("settings, words", [
    (ExecutorSettings("local", max_parallel=2), "--max-parallel need(s) --executor ray"),
    (ExecutorSettings("ray", gpus_per_job=-1), "0 or more"),
    (ExecutorSettings("ray", gpus_per_job=1.5), "whole number"),
    (ExecutorSettings("ray", cpus_per_job=0), "above 0"),
    (ExecutorSettings("ray", max_parallel=0), "1 or more"),
])
def test_executor_settings_that_cannot_work_are_usage_errors(settings, words):
    with pytest.raises(UsageError, match=words.replace("(", r"\(").replace(")", r"\)")):
        settings.validate()
    ExecutorSettings("ray", gpus_per_job=0.25, cpus_per_job=0.5, max_parallel=3).validate()

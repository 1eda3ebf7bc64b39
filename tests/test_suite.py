"""Suite decisions without training: model selection, configuration hashes, skip decisions, child arguments."""

import dataclasses
import signal

import pytest

from benchmark.training.baseline import TFIDF_KEY
from benchmark.data.imdb import load_imdb
from benchmark.core.errors import UsageError
from benchmark.encoders.registry import REGISTRY
from benchmark.records.run import write_run
from benchmark.training.config import RunConfig
from benchmark.data.prepared import prepare_data
from benchmark.cli.main import build_parser
from benchmark.cli.run import run_config, run_options
from benchmark.suite.options import RunOptions, child_arguments
from benchmark.suite.plan import all_model_keys, completed_run, planned_hash, resolve_keys
from benchmark.suite.processes import _failure_message
from test_report import make_run

CONFIG = RunConfig(epochs=1, train_samples=20, test_samples=10)


def options(**overrides) -> RunOptions:
    values = dict(standins=False, vocab=None, models_dir="models", output="results", force=False, strategy="auto",
                  cpu_replicas=1)
    return RunOptions(**(values | overrides))


def planned(key, run_options, config, data):
    return planned_hash(key, config, data, run_options)


@pytest.fixture(scope="module")
def data(aclimdb):
    return prepare_data(load_imdb(aclimdb), CONFIG)


def test_all_runs_every_encoder_then_the_baseline():
    keys = all_model_keys()
    assert keys[:-1] == list(REGISTRY) and keys[-1] == TFIDF_KEY
    assert resolve_keys(True, None) == keys
    assert resolve_keys(False, [TFIDF_KEY, "small_bert_l2_h128", TFIDF_KEY]) == [TFIDF_KEY, "small_bert_l2_h128"]
    with pytest.raises(UsageError, match="did you mean tfidf_logreg"):
        resolve_keys(False, ["tfidf_logre"])


def test_encoder_hash_follows_outcome_settings_only(data, aclimdb, aclimdb_archive, tiny_vocab, tmp_path):
    key = "small_bert_l2_h128"
    base = planned(key, options(), CONFIG, data)
    assert planned(key, options(), dataclasses.replace(CONFIG, epochs=2), data) != base
    assert planned(key, options(), dataclasses.replace(CONFIG, seed=7), data) != base
    # The default learning rate and the same rate given explicitly are the same run.
    explicit = dataclasses.replace(CONFIG, learning_rate=REGISTRY[key].learning_rate)
    assert planned(key, options(), explicit, data) == base
    # Same reviews read from the archive instead of the folder: same run.
    assert planned(key, options(), CONFIG, prepare_data(load_imdb(aclimdb_archive), CONFIG)) == base
    # Other reviews: another run.
    other = prepare_data(load_imdb(aclimdb), dataclasses.replace(CONFIG, train_samples=30))
    assert planned(key, options(), CONFIG, other) != base
    # Stand-ins: the vocabulary matters, where the model cache lives does not.
    standin = planned(key, options(standins=True, vocab=tiny_vocab, models_dir=tmp_path / "a"), CONFIG, data)
    assert standin not in (None, base)
    assert planned(key, options(standins=True, vocab=tiny_vocab, models_dir=tmp_path / "b"), CONFIG, data) == standin
    # More replicas in sync: a larger batch per optimizer step, another run; one replica, whatever the strategy.
    assert planned(key, options(strategy="default"), CONFIG, data) == base
    two = planned(key, options(cpu_replicas=2), CONFIG, data)
    assert two != base and planned(key, options(strategy="mirrored", cpu_replicas=2), CONFIG, data) == two
    # Only a TPU system or a cluster knows its replicas: the model's own process decides.
    assert planned(key, options(strategy="multiworker"), CONFIG, data) is None
    # A stand-in whose vocabulary would be learned but is not yet cached cannot be decided in advance.
    assert planned(key, options(standins=True, models_dir=tmp_path / "c"), CONFIG, data) is None


def test_baseline_hash_ignores_neural_settings(data):
    base = planned(TFIDF_KEY, options(), CONFIG, data)
    assert planned(TFIDF_KEY, options(), dataclasses.replace(CONFIG, epochs=5, seq_length=64), data) == base
    assert planned(TFIDF_KEY, options(), dataclasses.replace(CONFIG, seed=1), data) != base


def test_skip_decision_needs_a_run_file_with_the_same_hash(tmp_path):
    assert completed_run(tmp_path, "h1") is None
    write_run(dataclasses.replace(make_run("a", 0.8), config_hash="h1"), tmp_path)
    write_run(dataclasses.replace(make_run("a", 0.7, created="2026-02-01T00:00:00+00:00"), config_hash="h1"), tmp_path)
    (tmp_path / "runs" / "broken.json").write_text("{")
    assert completed_run(tmp_path, "h1").test["accuracy"] == pytest.approx(0.7)  # the newest
    assert completed_run(tmp_path, "h2") is None and completed_run(tmp_path, None) is None


@pytest.mark.parametrize("argv", [
    ["run", "--all", "--epochs", "2"],
    ["run", "--model", "a", "--standins", "--model=b", "--output", "out"],
    ["run", "--models-dir", "m", "--model", "a", "--test-samples", "-5", "--force"],
    ["run", "--a", "--seeds", "1", "2", "--epochs", "1"],
    ["run", "--model", "a", "--seed", "7", "--standins"],
    ["run", "--model", "a", "--learning-rate", "3e-05", "--validation-fraction", "0.1", "--bucketing",
     "--no-save-model", "--precision", "mixed_bfloat16", "--inference", "tflite", "--offline", "--hub-mirror", "http://mirror",
     "--data-dir", "aclImdb", "--vocab", "v.txt", "--strategy", "mirrored", "--cpu-replicas", "2", "--jit-compile"],
])
def test_child_arguments_carry_every_setting_but_the_job_selection(argv):
    parent = build_parser().parse_args(argv)
    child = build_parser().parse_args(child_arguments("b", 3, run_config(parent), run_options(parent), "suite-1"))
    assert (child.model, child.seed, child.seeds, child.all) == (["b"], 3, None, False)
    assert run_config(child) == dataclasses.replace(run_config(parent), seed=3)
    assert run_options(child) == dataclasses.replace(run_options(parent), suite_child=True, suite_id="suite-1")


def test_failure_messages_say_what_happened():
    assert _failure_message(2, ["loading\n", "error: cannot load encoder x: gone\n"]) == "cannot load encoder x: gone"
    killed = _failure_message(-signal.SIGKILL, ["Epoch 2/3\n"])
    assert "SIGKILL" in killed and "out of memory" in killed and "Epoch 2/3" in killed
    assert _failure_message(1, ["Segmentation fault\n", "\n"]) == "exit status 1: Segmentation fault"

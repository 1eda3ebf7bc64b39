"""Exports: the SavedModel and its card, reloading without this project, atomic writes, and what a suite saves."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import TINY_MODEL

pytestmark = pytest.mark.slow

# Run in a fresh interpreter that cannot import TF-Hub, tf-keras, tf-models-official or this project.
FRESH_LOAD = textwrap.dedent("""
    import importlib.abc, json, sys
    BLOCKED = {"tensorflow_hub", "tf_keras", "official", "benchmark"}
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError("blocked for this test: " + name)
    sys.meta_path.insert(0, Block())
    import tensorflow as tf
    import tensorflow_text  # noqa: F401
    serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
    out = serve(text=tf.constant(json.loads(sys.argv[2])))
    plain = lambda values: [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]  # the label is a string
    print(json.dumps({name: plain(value.numpy().tolist()) for name, value in out.items()}))
""")
REVIEWS = ["the film was great and i loved it, wonderful", "boring and awful, a waste of time",
           "This movie was the best: a superb, moving story."]


def test_run_save_model_writes_export_with_card(tiny_export):
    assert tiny_export.path.name == tiny_export.run["run_id"]
    assert tiny_export.path.name.startswith(f"{TINY_MODEL}-")
    assert f"exported {TINY_MODEL} [stand-in: random weights] (--save-model) -> " in tiny_export.stdout
    assert (tiny_export.path / "saved_model.pb").is_file() and (tiny_export.path / "variables").is_dir()
    card = json.loads((tiny_export.path / "model_card.json").read_text())
    run = tiny_export.run
    assert card["format"] == "tfhub-bench-classifier" and card["key"] == TINY_MODEL
    assert card["weights"] == "stand-in" and "RANDOM weights" in card["warning"]
    assert card["run_id"] == run["run_id"] and card["test"] == run["test"]
    assert card["hyperparameters"] == run["hyperparameters"] and card["data"] == run["data"]
    assert card["seq_length"] == 32
    assert card["validation"]["validation_accuracy"] == run["history"][-1]["validation_accuracy"]
    markdown = (tiny_export.path / "model_card.md").read_text()
    first_lines = markdown.splitlines()[:3]
    assert any(line.startswith("> **STAND-IN") for line in first_lines), first_lines
    assert f"accuracy: {run['test']['accuracy']:.4g}" in markdown


def test_export_reloads_with_only_tensorflow_and_tensorflow_text(tiny_export):
    from benchmark.deploy.predict import load_predictor

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TF_USE_LEGACY_KERAS")}
    fresh = subprocess.run([sys.executable, "-c", FRESH_LOAD, str(tiny_export.path), json.dumps(REVIEWS)],
                           capture_output=True, text=True, timeout=300, env=env, cwd=tiny_export.root)
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    outputs = json.loads(fresh.stdout.strip().splitlines()[-1])
    expected = load_predictor(tiny_export.path).probabilities(REVIEWS)
    assert outputs["probability"] == pytest.approx(expected, abs=1e-5)
    assert outputs["probability"][0] > 0.5 > outputs["probability"][1] and outputs["probability"][2] > 0.5
    assert outputs["label"] == ["positive", "negative", "positive"]
    assert [row[1] for row in outputs["probabilities"]] == pytest.approx(expected, abs=1e-5)


def _token_model(seq_length: int):
    """A small real classifier on the three packed inputs (no encoder), so policy tests export quickly."""
    import tensorflow as tf
    import tf_keras

    from benchmark.encoders.spec import ENCODER_INPUTS

    inputs = {name: tf_keras.layers.Input(shape=(seq_length,), dtype=tf.int32, name=name) for name in ENCODER_INPUTS}
    ids = tf_keras.layers.Lambda(lambda x: tf.cast(x, tf.float32))(inputs["input_word_ids"])
    return tf_keras.Model(inputs, tf_keras.layers.Dense(1)(ids))


def _result(standin, key: str, run_id: str, validation_accuracy: float):
    from benchmark.records.run import RunResult

    return RunResult(
        run_id=run_id, created=f"2026-01-01T00:00:{run_id[-2:]}+00:00", command="python -m benchmark run ...",
        config_hash="0" * 16, model={"key": key, "name": key, "architecture": "L-2 H-128 A-2", "encoder_parameters": 1},
        encoder_handle=str(standin.encoder_path), preprocessor_handle=str(standin.preprocessor_path),
        weights="stand-in", hyperparameters={"seq_length": 16}, data={"source": "test"},
        history=[{"epoch": 1, "validation_loss": 0.5, "validation_accuracy": validation_accuracy}],
        test={"loss": 0.5, "accuracy": 0.5}, timing={}, environment={})


def test_best_of_suite_keeps_only_the_best_validation_model(tiny_standin, tmp_path):
    from benchmark.deploy.export import find_exports
    from benchmark.deploy.save_policy import save_hook, save_policy

    assert save_policy(None, 1, tmp_path) is None and save_policy(False, 5, tmp_path) is None
    assert save_policy(True, 1, tmp_path).mode == "every"
    policy = save_policy(None, 3, tmp_path)
    assert policy.mode == "best"
    hook = save_hook(policy)
    model = _token_model(16)
    for key, run_id, accuracy in (("a", "a-01", 0.6), ("b", "b-02", 0.55), ("c", "c-03", 0.7), ("d", "d-04", 0.7)):
        hook(model, _result(tiny_standin, key, run_id, accuracy))
        if key == "a":
            assert [e.path.name for e in find_exports(tmp_path)] == ["a-01"]
    (best,) = find_exports(tmp_path)
    assert best.path.name == "c-03" and best.card.suite_id == policy.suite_id
    assert "best of its suite" in best.card.selection and "validation accuracy 70.00%" in best.card.selection
    # An export of another suite is never replaced by this one's.
    other = save_hook(save_policy(None, 2, tmp_path))
    other(model, _result(tiny_standin, "e", "e-05", 0.1))
    assert sorted(e.path.name for e in find_exports(tmp_path)) == ["c-03", "e-05"]


def test_failed_export_leaves_no_folder(tiny_standin, tmp_path):
    from benchmark.deploy.export import export_classifier
    from benchmark.deploy.model_card import ModelCard

    card = ModelCard.from_run(_result(tiny_standin, "a", "a-01", 0.6), "--save-model", "suite")
    wrong_length = _token_model(99)  # the preprocessor packs 16 tokens: tracing the signature fails
    with pytest.raises(Exception):
        export_classifier(wrong_length, str(tiny_standin.preprocessor_path), 16, tmp_path / "a-01", card)
    assert list(tmp_path.iterdir()) == []


def test_bad_preprocessor_is_a_usage_error(tmp_path, tiny_standin):
    from benchmark.core.errors import UsageError
    from benchmark.deploy.export import export_classifier
    from benchmark.deploy.model_card import ModelCard

    card = ModelCard.from_run(_result(tiny_standin, "a", "a-01", 0.6), "--save-model", "suite")
    with pytest.raises(UsageError, match="cannot load preprocessor"):
        export_classifier(_token_model(16), str(tmp_path / "missing"), 16, tmp_path / "out", card)
    assert not (tmp_path / "out").exists()


def test_key_resolves_to_newest_export(tiny_export, tmp_path):
    import shutil

    from benchmark.core.errors import UsageError
    from benchmark.deploy.export import resolve_model

    models = tmp_path / "models"
    shutil.copytree(tiny_export.path, models / "older")
    newer = models / "newer"
    shutil.copytree(tiny_export.path, newer)
    card = json.loads((newer / "model_card.json").read_text())
    card["created"] = "2999-01-01T00:00:00+00:00"
    (newer / "model_card.json").write_text(json.dumps(card))
    assert resolve_model(TINY_MODEL, models).path == newer
    with pytest.raises(UsageError, match="no export of 'electra_base'"):
        resolve_model("electra_base", models)
    with pytest.raises(UsageError, match="is not a tfhub-bench export"):
        resolve_model(str(Path(tiny_export.path).parent / "standins"), models)

"""The suite's GPU estimate: the measured H100 time where there is a measurement, the assumption otherwise."""

import json

import pytest

from benchmark.encoders.flops import forward_flops, training_flops
from benchmark.encoders.registry import REGISTRY
from benchmark.speed.gpu_estimate import MEASUREMENT, bert_shape, suite_estimates
from benchmark.speed.peaks import ASSUMED_GPU_UTILISATION, GPU_PEAKS
from benchmark.speed.suite_split import SUITE_EPOCHS, suite_examples

TRAIN_SHARE, INFERENCE_SHARE = 0.1, 0.2


def write_measurement(path, keys, seq_length=128):
    """A gpu_hf.json in which every model in ``keys`` reached TRAIN_SHARE / INFERENCE_SHARE of the peak."""
    rows = [{"key": key, "seq_length": seq_length, "train_utilisation": TRAIN_SHARE,
             "inference_utilisation": INFERENCE_SHARE} for key in keys]
    path.write_text(json.dumps({"device": "Test GPU 80GB", "command": "python -m benchmark.gpu_hf --test",
                                "created": "2030-01-02T03:04:05+00:00", "rows": rows}))
    return path


@pytest.mark.parametrize("seq_length", [128, 512])
def test_on_the_measured_gpu_the_estimate_is_the_measured_time(seq_length):
    measured = json.loads(MEASUREMENT.read_text())
    hours = sum(row["suite_hours"] for row in measured["rows"] if row["seq_length"] == seq_length)
    rows = {row["gpu"]: row for row in suite_estimates(seq_length)}
    assert rows["H100"]["measured"] and rows["H100"]["hours"] == pytest.approx(hours, rel=1e-9)
    # Same share of a smaller peak: slower in proportion.
    ratio = GPU_PEAKS["H100"].tensor_fp16 / GPU_PEAKS["T4"].tensor_fp16
    assert rows["T4"]["hours"] == pytest.approx(hours * ratio, rel=1e-9)
    assert measured["device"] in rows["T4"]["utilisation_source"] and measured["created"] in rows["T4"]["utilisation_source"]


def test_measured_shares_weigh_each_model_and_name_the_measurement(tmp_path):
    path = write_measurement(tmp_path / "gpu_hf.json", REGISTRY)
    train, forward = suite_examples(3)
    peak = GPU_PEAKS["A100"].tensor_fp16 * 1e12
    seconds = sum(train * training_flops(bert_shape(spec), 128) / (peak * TRAIN_SHARE)
                  + forward * forward_flops(bert_shape(spec), 128) / (peak * INFERENCE_SHARE)
                  for spec in REGISTRY.values())
    row = {row["gpu"]: row for row in suite_estimates(128, 3, path)}["A100"]
    assert row["measured"] and row["hours"] == pytest.approx(seconds / 3600, rel=1e-9)
    assert TRAIN_SHARE < row["utilisation"] < INFERENCE_SHARE  # training FLOPs dominate, at the lower share
    assert row["utilisation"] == pytest.approx(row["suite_flops"] / (seconds * peak))
    for part in ("Test GPU 80GB", "`python -m benchmark.gpu_hf --test`", "2030-01-02"):
        assert part in row["utilisation_source"]


def test_without_a_measurement_one_utilisation_is_assumed(tmp_path):
    rows = suite_estimates(128, path=tmp_path / "missing.json")
    for row in rows:
        assert not row["measured"] and row["utilisation"] == pytest.approx(ASSUMED_GPU_UTILISATION)
        assert row["hours"] == pytest.approx(row["suite_flops"] / (row["peak_tflops"] * 1e12 * 0.3) / 3600)
        assert row["utilisation_source"] == f"assumed {ASSUMED_GPU_UTILISATION:.0%} for every model"


def test_a_measurement_missing_a_model_is_not_used(tmp_path):
    rows = suite_estimates(128, path=write_measurement(tmp_path / "partial.json", list(REGISTRY)[1:]))
    assert not any(row["measured"] for row in rows)
    assert all(row["utilisation"] == pytest.approx(ASSUMED_GPU_UTILISATION) for row in rows)


@pytest.mark.parametrize("seq_length, nearest", [(256, 128), (320, 128), (384, 512), (1024, 512)])
def test_an_unmeasured_length_borrows_the_nearest_measured_one_and_says_so(tmp_path, seq_length, nearest):
    rows = json.loads(write_measurement(tmp_path / "short.json", REGISTRY, 128).read_text())["rows"]
    longer = json.loads(write_measurement(tmp_path / "long.json", REGISTRY, 512).read_text())["rows"]
    for row in longer:
        row["train_utilisation"] = row["inference_utilisation"] = 0.4
    both = tmp_path / "both.json"
    both.write_text(json.dumps({"device": "Test GPU 80GB", "command": "python -m benchmark.gpu_hf --test",
                                "created": "2030-01-02T03:04:05+00:00", "rows": rows + longer}))
    row = suite_estimates(seq_length, 3, both)[0]
    assert row["measured"]
    label = f"at {nearest} tokens (the nearest measured length; {seq_length} was not measured)"
    assert label in row["utilisation_source"]
    if nearest == 512:
        assert row["utilisation"] == pytest.approx(0.4)
    else:
        assert TRAIN_SHARE < row["utilisation"] < INFERENCE_SHARE
    assert "nearest" not in suite_estimates(128, 3, both)[0]["utilisation_source"]


def test_suite_examples_follow_the_run_all_split():
    assert suite_examples(3) == (60_000, 40_000)  # 3 x 20k training; 3 x 5k validation + 25k test
    assert suite_examples(1) == (20_000, 30_000)


def test_factorised_and_other_families_are_timed_as_the_bert_of_their_shape():
    shape = bert_shape(REGISTRY["electra_small"])
    assert (shape.family, shape.embedding_size) == ("bert", None)
    assert (shape.num_layers, shape.hidden_size) == (REGISTRY["electra_small"].num_layers, 256)


def test_committed_measurement_covers_every_registry_model_and_adds_up():
    result = json.loads(MEASUREMENT.read_text())  # the package data tools/gpu_hf.py measured
    for seq_length in result["seq_lengths"]:
        rows = [row for row in result["rows"] if row["seq_length"] == seq_length]
        assert sorted(row["key"] for row in rows) == sorted(REGISTRY)
        train, forward = suite_examples(SUITE_EPOCHS)
        for row in rows:
            expected = (train / row["train_examples_per_second"] + forward / row["inference_examples_per_second"]) / 3600
            assert row["suite_hours"] == pytest.approx(expected)

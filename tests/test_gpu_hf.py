"""The GPU throughput table: suite arithmetic, rendering, and a clear refusal without a GPU."""

import json
from pathlib import Path

import pytest

from benchmark.speed.gpu_estimate import bert_shape
from benchmark.gpu_hf import main, render
from benchmark.encoders.registry import REGISTRY
from benchmark.speed.suite_split import SUITE_EPOCHS, suite_examples

RESULTS = Path(__file__).resolve().parent.parent / "results" / "gpu-h100" / "gpu_hf.json"


def test_suite_examples_follow_the_run_all_split():
    assert suite_examples(3) == (60_000, 40_000)  # 3 x 20k training; 3 x 5k validation + 25k test
    assert suite_examples(1) == (20_000, 30_000)


def test_factorised_and_other_families_are_timed_as_the_bert_of_their_shape():
    shape = bert_shape(REGISTRY["electra_small"])
    assert (shape.family, shape.embedding_size) == ("bert", None)
    assert (shape.num_layers, shape.hidden_size) == (REGISTRY["electra_small"].num_layers, 256)


def test_render_totals_the_suite_per_sequence_length():
    rows = [{"key": key, "family": "bert", "architecture": "L-2 H-128 A-2", "seq_length": 128, "batch_size": 32,
             "timed_as_bert": key == "b", "train_examples_per_second": 1000.0, "inference_examples_per_second": 4000.0,
             "train_utilisation": 0.01, "inference_utilisation": 0.02, "suite_hours": hours, "peak_memory_gib": 1.0}
            for key, hours in (("a", 0.25), ("b", 0.5))]
    result = {"device": "GPU", "command": "python -m benchmark.gpu_hf", "created": "now", "rounds": 3, "steps": 10,
              "warmup": 3, "versions": {"torch": "t", "transformers": "x"}, "seq_lengths": [128], "rows": rows,
              "peak_tflops": 989.4, "peak_source": "datasheet"}
    text = render(result)
    assert "**0.75 hours (45 min)**" in text and "| `b` (as BERT) |" in text and "| 1,000 | 4,000 | 1.0% | 2.0% | 15.0 |" in text


def test_committed_measurement_covers_every_registry_model_and_adds_up():
    result = json.loads(RESULTS.read_text())
    for seq_length in result["seq_lengths"]:
        rows = [row for row in result["rows"] if row["seq_length"] == seq_length]
        assert sorted(row["key"] for row in rows) == sorted(REGISTRY)
        train, forward = suite_examples(SUITE_EPOCHS)
        for row in rows:
            expected = (train / row["train_examples_per_second"] + forward / row["inference_examples_per_second"]) / 3600
            assert row["suite_hours"] == pytest.approx(expected)


def test_without_a_gpu_it_refuses_in_one_line(capsys, monkeypatch):
    try:  # with PyTorch installed, hide any GPU; without it, the missing package is the refusal
        import torch

        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    except ImportError:
        pass
    assert main(["--model", "small_bert_l2_h128", "--output", "unused"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and ("GPU" in err[0] or "not installed" in err[0])
    assert not Path("unused").exists()

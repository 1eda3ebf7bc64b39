"""The GPU timer (tools/gpu_hf.py): rendering its table, and a clear refusal without a GPU."""

from pathlib import Path

from gpu_hf import main, render


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

"""The inference runtimes probe (tools/int8_probe.py): TFLite float32 computes what Keras does; int8 drifts a little."""

import pytest

pytestmark = pytest.mark.slow


def test_probe_runtimes_agree_with_keras_float32_as_far_as_their_precision_allows(tmp_path):
    from int8_probe import main, probe

    rows = {row["runtime"]: row for row in probe("small_bert_l2_h128", 16, 2, steps=1, rounds=1, seed=0)}
    assert len(rows) == 4 and rows["Keras float32"]["max_logit_difference"] == 0
    assert rows["TFLite float32 (XNNPACK), [CLS]-only"]["max_logit_difference"] < 1e-4  # the same function
    assert 0 < rows["TFLite int8 dynamic-range, [CLS]-only"]["max_logit_difference"] < 0.1  # quantized, close
    assert all(row["examples_per_second"] > 0 and len(row["rounds"]) == 1 for row in rows.values())

    out = tmp_path / "probe.md"
    assert main(["--model", "small_bert_l2_h128", "--seq-length", "16", "--batch-size", "2", "--steps", "1",
                 "--rounds", "1", "--output", str(out)]) == 0
    text = out.read_text()
    assert "`python tools/int8_probe.py --model small_bert_l2_h128 --seq-length 16" in text
    assert text.count("| TFLite") == 2 and "(random weights)" in text


def test_probe_refuses_a_non_positive_setting(capsys):
    from int8_probe import main

    assert main(["--steps", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --steps must be positive, got 0"

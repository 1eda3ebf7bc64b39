"""The optimizer probe (tools/optimizer_probe.py): both optimizers timed, the command written, bad settings refused."""

import pytest


@pytest.mark.slow
def test_optimizer_probe_times_both_optimizers_and_writes_its_command(tmp_path):
    from optimizer_probe import OPTIMIZERS, main, probe

    rows = probe("small_bert_l2_h128", 16, 2, "mixed_bfloat16", steps=1, rounds=2, seed=0)
    assert [row["variant"] for row in rows] == list(OPTIMIZERS)
    assert rows[0]["vs_first"] == 1.0 and rows[1]["vs_first"] > 0
    assert all(row["examples_per_second"] > 0 and len(row["rounds"]) == 2 for row in rows)
    out = tmp_path / "probe.md"
    assert main(["--model", "small_bert_l2_h128", "--seq-length", "16", "--batch-size", "2", "--steps", "1",
                 "--rounds", "1", "--output", str(out)]) == 0
    text = out.read_text()
    assert "`python tools/optimizer_probe.py --model small_bert_l2_h128 --seq-length 16" in text
    assert text.count("| this project (fused embedding update) |") == 1


def test_optimizer_probe_refuses_a_non_positive_setting(capsys):
    from optimizer_probe import main

    assert main(["--rounds", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --rounds must be positive, got 0"


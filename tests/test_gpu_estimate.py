"""The suite's GPU estimate: the measured H100 time where there is a measurement, the assumption otherwise."""

import json

import pytest

from benchmark.gpu_estimate import MEASUREMENT, suite_estimates
from benchmark.peaks import ASSUMED_GPU_UTILISATION, GPU_PEAKS


@pytest.mark.parametrize("seq_length", [128, 512])
def test_on_the_measured_gpu_the_estimate_is_the_measured_time(seq_length):
    measured = json.loads(MEASUREMENT.read_text())
    hours = sum(row["suite_hours"] for row in measured["rows"] if row["seq_length"] == seq_length)
    rows = {row["gpu"]: row for row in suite_estimates(seq_length)}
    assert rows["H100"]["measured"] and rows["H100"]["hours"] == pytest.approx(hours, rel=1e-9)
    # Same share of a smaller peak: slower in proportion.
    ratio = GPU_PEAKS["H100"].tensor_fp16 / GPU_PEAKS["T4"].tensor_fp16
    assert rows["T4"]["hours"] == pytest.approx(hours * ratio, rel=1e-9)


def test_without_a_measurement_one_utilisation_is_assumed(tmp_path):
    rows = suite_estimates(128, path=tmp_path / "missing.json")
    for row in rows:
        assert not row["measured"] and row["utilisation"] == pytest.approx(ASSUMED_GPU_UTILISATION)
        assert row["hours"] == pytest.approx(row["suite_flops"] / (row["peak_tflops"] * 1e12 * 0.3) / 3600)
    assert suite_estimates(256)[0]["measured"] is False  # only 128 and 512 were measured

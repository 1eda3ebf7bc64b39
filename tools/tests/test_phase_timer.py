"""The phase timer (tools/phase_timer.py): nested calls of one phase count once; the first step stops it if asked."""

import pytest


def test_nested_calls_of_a_phase_count_once_and_phases_keep_their_order():
    from phase_timer import PhaseTimer

    timer = PhaseTimer()
    inner = timer.timed(lambda: None, "load")
    outer = timer.timed(lambda: inner(), "load")
    outer()
    timer.timed(lambda: None, "tokenize")()
    outer()
    assert list(timer.phases) == ["load", "tokenize"] and timer.phases["load"] >= 0
    report = timer.report(0)
    assert report["first_training_step"] is None and report["peak_rss_mib"] > 0
    assert report["seconds_from_process_start"] >= report["phases_seconds"]["load"]


def test_the_first_step_is_recorded_once_and_can_stop_the_run():
    from phase_timer import PhaseTimer, StopAfterFirstStep

    timer = PhaseTimer()
    timer.step_done()
    first = timer.first_step
    timer.step_done()
    assert timer.first_step is first and first["seconds_from_process_start"] > 0
    with pytest.raises(StopAfterFirstStep):
        PhaseTimer(stop_after_first_step=True).step_done()


def test_every_timed_step_exists_in_the_package():
    import importlib

    from phase_timer import PHASES

    def found(module: str, name: str) -> bool:
        owner = importlib.import_module(module)
        for part in name.split("."):
            if not hasattr(owner, part):
                return False
            owner = getattr(owner, part)
        return True

    missing = [f"{module}.{name}" for module, name, _ in PHASES if not found(module, name)]
    assert not missing

"""``run --learning-rates``: the grid, its bad input, the choice by validation accuracy, and the leaderboard's rate."""

import csv
import dataclasses
import json

import pytest

from benchmark.cli.main import main
from benchmark.core.errors import UsageError
from benchmark.leaderboard.write import write_leaderboard
from benchmark.records.run import write_run
from benchmark.records.selection import Selection, load_selections, selection_path, validation_accuracy, \
    write_selection
from benchmark.suite.learning_rates import NAMED_GRIDS, parse_rates
from conftest import TINY_MODEL, run_cli
from test_report import make_run


def test_rates_are_parsed_in_the_order_given_and_the_paper_grid_is_named():
    assert parse_rates(["1e-4", "5e-05", "0.00003"], None, 0.2) == (1e-4, 5e-5, 3e-5)
    assert parse_rates(["paper"], None, 0.2) == NAMED_GRIDS["paper"] == (3e-4, 1e-4, 5e-5, 3e-5)


@pytest.mark.parametrize("rates, single, fraction, message", [
    (["1e-4", "0"], None, 0.2, "every rate must be in (0, 1), got 0"),
    (["-3e-5"], None, 0.2, "every rate must be in (0, 1), got -3e-5"),
    (["fast"], None, 0.2, "'fast' is not a number"),
    (["1e-4", "0.0001"], None, 0.2, "0.0001 is given twice"),
    (["1e-4", "5e-5"], 3e-5, 0.2, "--learning-rates and --learning-rate exclude each other"),
    (["1e-4", "5e-5"], None, 0.0, "--validation-fraction must be above 0"),
])
def test_bad_grids_are_usage_errors(rates, single, fraction, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_rates(rates, single, fraction)


@pytest.mark.parametrize("extra, message", [
    (["--learning-rates", "1e-4", "nan"], "every rate must be in (0, 1), got nan"),
    (["--learning-rates", "1e-4", "1e-4"], "1e-4 is given twice"),
    (["--learning-rates", "1e-4", "--learning-rate", "3e-5"], "exclude each other"),
])
def test_bad_grids_on_the_command_line_are_one_error_line(extra, message, capsys, tmp_path):
    assert main(["run", "--model", TINY_MODEL, "--output", str(tmp_path), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --learning-rates") and message in err[0]


def graded(rate: float, validation: list[float], test: float, seed: int = 42, best_epoch=None, key="m",
           losses: list[float] | None = None):
    """A run file of ``key`` at ``rate`` with these validation accuracies (and losses) per epoch and this test
    accuracy."""
    run = make_run(key, test, created=f"2026-01-01T00:00:0{len(validation)}+00:00", run_id=f"{key}-{rate:g}-{seed}")
    history = [{"epoch": i + 1, "seconds": 1.0, "validation_accuracy": v} for i, v in enumerate(validation)]
    for row, loss in zip(history, losses or ()):
        row["validation_loss"] = loss
    return dataclasses.replace(run, config_hash=f"h{rate:g}-{seed}", history=history, best_epoch=best_epoch,
                               hyperparameters=run.hyperparameters | {"learning_rate": rate, "seed": seed})


def test_the_rate_is_chosen_by_validation_accuracy_never_test():
    high_validation, high_test = graded(1e-4, [0.9], test=0.6), graded(5e-5, [0.7], test=0.95)
    selection = Selection.of("m", (5e-5, 1e-4), [(5e-5, high_test), (1e-4, high_validation)])
    assert selection.chosen_learning_rate == 1e-4
    assert {c.learning_rate: c.validation_accuracy for c in selection.candidates} == {5e-5: 0.7, 1e-4: 0.9}


def test_the_validation_accuracy_is_the_tested_epochs_and_a_tie_goes_to_the_first_rate():
    restored = graded(1e-4, [0.6, 0.8, 0.7], 0.5, best_epoch={"epoch": 2, "validation_accuracy": 0.8,
                                                              "restored": True, "tested_epoch": 2})
    last = graded(5e-5, [0.6, 0.8, 0.7], 0.5)  # an older file: the last epoch was tested
    assert (validation_accuracy(restored), validation_accuracy(last)) == (0.8, 0.7)
    tie = graded(3e-5, [0.8], 0.5)
    assert Selection.of("m", (1e-4, 3e-5), [(3e-5, tie), (1e-4, restored)]).chosen_learning_rate == 1e-4
    assert Selection.of("m", (3e-5, 1e-4), [(3e-5, tie), (1e-4, restored)]).chosen_learning_rate == 3e-5


def test_a_validation_accuracy_tie_between_rates_goes_to_the_lower_validation_loss():
    confident = graded(1e-4, [0.85], 0.5, losses=[0.42])
    calibrated = graded(3e-5, [0.85], 0.5, losses=[0.35])
    for grid in ((1e-4, 3e-5), (3e-5, 1e-4)):  # whichever is listed first
        selection = Selection.of("m", grid, [(1e-4, confident), (3e-5, calibrated)])
        assert selection.chosen_learning_rate == 3e-5
        assert {c.learning_rate: c.validation_loss for c in selection.candidates} == {1e-4: 0.42, 3e-5: 0.35}
    better = graded(1e-4, [0.86], 0.5, losses=[0.60])  # higher accuracy outranks any loss
    assert Selection.of("m", (3e-5, 1e-4), [(1e-4, better), (3e-5, calibrated)]).chosen_learning_rate == 1e-4
    # seeds: the mean accuracies tie (0.85), the mean losses decide (0.40 against 0.45)
    seeds = [(1e-4, graded(1e-4, [0.9], 0.5, seed=1, losses=[0.4])), (1e-4, graded(1e-4, [0.8], 0.5, seed=2,
                                                                                    losses=[0.5])),
             (3e-5, graded(3e-5, [0.85], 0.5, seed=1, losses=[0.4])), (3e-5, graded(3e-5, [0.85], 0.5, seed=2,
                                                                                    losses=[0.4]))]
    assert Selection.of("m", (1e-4, 3e-5), seeds).chosen_learning_rate == 3e-5


def test_a_version_1_selection_file_still_reads():
    raw = {"model": "m", "grid": [1e-4], "chosen_learning_rate": 1e-4, "created": "2026-01-01T00:00:00+00:00",
           "dataset": "imdb", "rule": "old", "schema_version": 1, "missing": [],
           "candidates": [{"learning_rate": 1e-4, "seed": 1, "run_id": "r", "config_hash": "h",
                           "validation_accuracy": 0.8}]}
    selection = Selection.from_dict(raw)
    assert selection.schema_version == 1 and selection.candidates[0].validation_loss is None


def test_the_choice_averages_the_seeds_of_each_rate():
    runs = [(1e-4, graded(1e-4, [0.9], 0.5, seed=1)), (1e-4, graded(1e-4, [0.5], 0.5, seed=2)),
            (5e-5, graded(5e-5, [0.75], 0.5, seed=1)), (5e-5, graded(5e-5, [0.75], 0.5, seed=2))]
    selection = Selection.of("m", (1e-4, 5e-5), runs)
    assert selection.chosen_learning_rate == 5e-5 and selection.mean_validation(1e-4) == pytest.approx(0.7)


def test_the_leaderboard_shows_a_selected_model_once_at_its_chosen_rate(tmp_path):
    chosen, other = graded(1e-4, [0.9], test=0.6), graded(5e-5, [0.7], test=0.95)
    other = dataclasses.replace(other, created="2026-01-02T00:00:00+00:00")  # newer, and better on test
    rival = graded(2e-5, [0.8], test=0.7, key="n")
    for run in (chosen, other, rival):
        write_run(run, tmp_path)
    selection = Selection.of("m", (5e-5, 1e-4), [(5e-5, other), (1e-4, chosen)], missing=[(3e-5, 42)])
    write_selection(selection, selection_path(tmp_path, "m", ["a", "b"]))
    assert load_selections(tmp_path) == ([selection], [])
    page, problems = write_leaderboard(tmp_path)
    assert problems == []
    rows = list(csv.DictReader((tmp_path / "leaderboard.csv").open()))
    assert [(row["key"], float(row["learning_rate"]), row["learning_rate_grid"]) for row in rows] == [
        ("n", 2e-5, ""), ("m", 1e-4, "5e-05 0.0001")]
    board = page.read_text()
    header = next(line for line in board.splitlines() if line.startswith("| # |")).split(" | ")
    row = next(line for line in board.splitlines() if "(`m`)" in line and line.startswith("| 2 |")).split(" | ")
    assert row[header.index("LR")] == "0.0001 (best val. of 2)"
    assert "5e-05: 70.00%, 0.0001: 90.00% **(chosen)**" in board and "not finished: 1 run(s)" in board


@pytest.mark.slow
def test_a_grid_runs_end_to_end_picks_by_validation_and_a_rerun_skips_it(tmp_path, aclimdb, tiny_vocab, tiny_standin):
    from test_suite_cli import _models_with

    _models_with(tiny_standin, tmp_path)
    command = ("run", "--model", TINY_MODEL, "--standins", "--data-dir", str(aclimdb), "--vocab", str(tiny_vocab),
               "--learning-rates", "0.003", "1e-5", "--epochs", "2", "--train-samples", "40", "--test-samples", "20",
               "--batch-size", "8", "--seq-length", "32", "--validation-fraction", "0.25", "--output", "out",
               "--models-dir", "models")
    first = run_cli(*command, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "suite: 2 run, 0 skipped (already done), 0 failed" in first.stdout
    runs = [json.loads(path.read_text()) for path in (tmp_path / "out" / "runs").glob("*.json")]
    assert sorted(run["hyperparameters"]["learning_rate"] for run in runs) == [1e-5, 0.003]
    assert len({run["config_hash"] for run in runs}) == 2
    for run in runs:  # the tested weights are those of the best validation epoch (accuracy, then loss)
        best = run["best_epoch"]
        ranked = max(run["history"], key=lambda row: (row["validation_accuracy"], -row["validation_loss"],
                                                      -row["epoch"]))
        assert best["epoch"] == ranked["epoch"] and best["validation_accuracy"] == ranked["validation_accuracy"]
        assert best["restored"] == (best["epoch"] != len(run["history"])) and best["tested_epoch"] == best["epoch"]
        assert best["rule"] == run["hyperparameters"]["best_epoch_rule"] == "accuracy_then_loss"
    (path,) = (tmp_path / "out" / "selections").glob(f"{TINY_MODEL}-*.json")
    selection = json.loads(path.read_text())
    validation = {c["learning_rate"]: (c["validation_accuracy"], c["validation_loss"])
                  for c in selection["candidates"]}
    assert selection["grid"] == [0.003, 1e-5] and selection["missing"] == []
    assert validation == {run["hyperparameters"]["learning_rate"]: (
        run["best_epoch"]["validation_accuracy"], run["best_epoch"]["validation_loss"]) for run in runs}
    winner = max(selection["grid"], key=lambda rate: (validation[rate][0], -validation[rate][1],
                                                      -selection["grid"].index(rate)))
    assert selection["chosen_learning_rate"] == winner
    assert f"learning rate {winner:g} chosen by validation accuracy" in first.stdout
    rows = list(csv.DictReader((tmp_path / "out" / "leaderboard.csv").open()))
    assert [(row["key"], float(row["learning_rate"]), row["learning_rate_grid"]) for row in rows] == [
        (TINY_MODEL, winner, "0.003 1e-05")]
    assert f"{winner:g} (best val. of 2)" in (tmp_path / "out" / "leaderboard.md").read_text()

    again = run_cli(*command, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "suite: 0 run, 2 skipped (already done), 0 failed" in again.stdout
    assert len(list((tmp_path / "out" / "runs").glob("*.json"))) == 2


@pytest.mark.parametrize("content", ["{not json", "[]", '{"schema_version": 99}'])
def test_a_damaged_selection_file_is_one_problem_line_and_the_leaderboard_is_still_written(tmp_path, content):
    write_run(graded(1e-4, [0.9], test=0.6), tmp_path)
    (tmp_path / "selections").mkdir()
    (tmp_path / "selections" / "m-0.json").write_text(content)
    selections, problems = load_selections(tmp_path)
    assert selections == [] and len(problems) == 1 and problems[0].startswith("skipped m-0.json: ")
    page, problems = write_leaderboard(tmp_path)
    assert page.is_file() and len(problems) == 1 and problems[0].startswith("skipped m-0.json: ")

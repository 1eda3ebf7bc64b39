"""Several datasets end to end (issue 16): a suite of two models on IMDb and a 4-class CSV writes one leaderboard
with a summary and a section per dataset, skips what is done, and the 4-class export answers ``predict`` and
``serve`` with its label names."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import NEGATIVE, NEUTRAL, POSITIVE, SPECIAL, TINY_MODEL, TOPIC_NEUTRAL, TOPICS, run_cli

pytestmark = pytest.mark.slow

TRAIN = ("--epochs", "4", "--batch-size", "8", "--seq-length", "24", "--learning-rate", "0.003")
SPORTS = "the coach said the team score a goal this week"


@pytest.fixture(scope="module")
def suite(aclimdb, topics_csv, tmp_path_factory):
    """``run --model tfidf_logreg --model TINY --standins --dataset imdb --data-dir ... --dataset topics.csv``."""
    import types

    root = tmp_path_factory.mktemp("datasets_suite")
    vocab = root / "vocab.txt"
    words = {w for words in TOPICS.values() for w in words} | set(TOPIC_NEUTRAL + POSITIVE + NEGATIVE + NEUTRAL)
    vocab.write_text("\n".join(SPECIAL + sorted(words) + [".", "<", ">", "/", "br"]) + "\n")
    command = ("run", "--model", "tfidf_logreg", "--model", TINY_MODEL, "--standins", "--vocab", str(vocab),
               "--dataset", "imdb", "--data-dir", str(aclimdb), "--dataset", str(topics_csv),
               "--text-column", "headline", "--label-column", "topic", *TRAIN, "--output", "out",
               "--models-dir", "models", "--save-model")
    result = run_cli(*command, cwd=root, timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]
    return types.SimpleNamespace(root=root, command=command, result=result, out=root / "out")


def test_suite_runs_every_model_on_every_dataset_into_one_leaderboard(suite):
    assert "suite: 4 run, 0 skipped (already done), 0 failed" in suite.result.stdout
    runs = [json.loads(path.read_text()) for path in (suite.out / "runs").glob("*.json")]
    assert sorted((run["model"]["key"], run["dataset"]["key"]) for run in runs) == [
        ("small_bert_l2_h128", "imdb"), ("small_bert_l2_h128", "news_topics"),
        ("tfidf_logreg", "imdb"), ("tfidf_logreg", "news_topics")]
    board = (suite.out / "leaderboard.md").read_text()
    assert board.startswith("# Leaderboard: TF-Hub encoders fine-tuned on 2 datasets")
    summary = board[board.index("## Summary across datasets"):board.index("## IMDb movie reviews (`imdb`)")]
    assert "| # | Model | Weights | IMDb | news_topics | Mean accuracy | Mean rank |" in summary
    assert len([line for line in summary.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")]) == 2
    assert "![Test accuracy of each model on each dataset](plots/accuracy_by_dataset.png)" in summary
    assert "## news_topics.csv (`news_topics`)" in board and "4 classes (food, politics, sports, tech)" in board
    assert "set aside with seed 0 (there was no test file)" in board
    rows = list(csv.DictReader((suite.out / "leaderboard.csv").open()))
    assert sorted(row["dataset"] for row in rows) == ["imdb", "imdb", "news_topics", "news_topics"]
    assert sorted(row["rank"] for row in rows) == ["1", "1", "2", "2"]  # ranked within each dataset
    plots = sorted(path.name for path in (suite.out / "plots").iterdir())
    assert plots == ["accuracy_by_dataset.png", "accuracy_vs_training_time_imdb.png",
                     "accuracy_vs_training_time_news_topics.png", "confusion_matrices_imdb.png",
                     "confusion_matrices_news_topics.png", "training_curves_imdb.png",
                     "training_curves_news_topics.png"]

    again = run_cli(*suite.command, cwd=suite.root, timeout=600)
    assert again.returncode == 0 and "suite: 0 run, 4 skipped (already done), 0 failed" in again.stdout


def _topics_export(suite):
    exports = [path for path in (suite.root / "models").iterdir() if (path / "model_card.json").is_file()]
    cards = {json.loads((path / "model_card.json").read_text())["dataset"]["key"]: path for path in exports}
    assert sorted(cards) == ["imdb", "news_topics"]
    return cards["news_topics"]


def test_four_class_export_predicts_label_names_with_probabilities(suite, tmp_path):
    export = _topics_export(suite)
    card = json.loads((export / "model_card.json").read_text())
    assert card["labels"] == ["food", "politics", "sports", "tech"] and card["format_version"] == 2
    assert set(card["signature"]["outputs"]) == {"label", "probabilities", "logits"}
    table = tmp_path / "headlines.csv"
    table.write_text(f"id,headline\n1,{SPORTS}\n2,chef bake a spice recipe for dinner\n", encoding="utf-8")
    result = run_cli("predict", "--model", str(export), "--input", str(table), "--text-column", "headline", "--json",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    output = json.loads(result.stdout)
    assert output["labels"] == ["food", "politics", "sports", "tech"]
    first, second = output["predictions"]
    assert (first["label"], second["label"]) == ("sports", "food")
    assert set(first["probabilities"]) == set(TOPICS) and sum(first["probabilities"].values()) == pytest.approx(1)
    assert first["probability"] == max(first["probabilities"].values()) and "positive_probability" not in first
    plain = run_cli("predict", "--model", str(export), SPORTS, cwd=tmp_path)
    assert plain.stdout.split()[0] == "sports" and 0.25 < float(plain.stdout.split()[1]) <= 1


def test_four_class_export_is_served_with_its_label_names(suite):
    from benchmark.deploy.predict import load_predictor
    from benchmark.deploy.serve import create_app

    client = create_app(load_predictor(_topics_export(suite)), suite.out).test_client()
    body = client.get("/").get_data(as_text=True)
    assert "<h1>Text classification</h1>" in body and "classes: food, politics, sports, tech" in body
    answer = client.post("/", data={"review": SPORTS}).get_data(as_text=True)
    assert 'data-label="sports"' in answer and 'id="probabilities"' in answer and "<td>politics</td>" in answer
    api = client.post("/api/predict", json={"text": SPORTS}).json
    assert api["label"] == "sports" and set(api["probabilities"]) == set(TOPICS)

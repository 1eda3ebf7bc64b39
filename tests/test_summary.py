"""The leaderboard across datasets (issue 16): a summary row per model, a column per dataset, mean accuracy and mean
rank, the not-separable mark, models missing a dataset, and a section per dataset."""

import csv
import dataclasses

import numpy as np

from benchmark.leaderboard.rows import by_dataset, latest_per_model
from benchmark.leaderboard.summary import summarise
from benchmark.leaderboard.write import write_leaderboard
from benchmark.records.failures import record_failure
from benchmark.records.metrics import classification_metrics
from benchmark.records.run import write_run
from test_report import make_run

TOPICS = ["food", "politics", "sports", "tech"]
NEWS = {"key": "news", "name": "news.csv", "short_name": "news", "label_names": TOPICS, "test_split": "test.csv",
        "note": "", "citation": "", "origin": "file", "label_column": "topic",
        "label_mapping": {name: i for i, name in enumerate(TOPICS)}, "carved_test": None}


def news_run(key, accuracy, examples=400, weights="pretrained"):
    """A 4-class run with ``accuracy`` on ``examples`` balanced test examples."""
    labels = np.arange(examples) % 4
    predicted = labels.copy()
    wrong = np.arange(int(round((1 - accuracy) * examples)))
    predicted[wrong] = (labels[wrong] + 1) % 4
    probabilities = np.full((examples, 4), 0.1)
    probabilities[np.arange(examples), predicted] = 0.7
    run = make_run(key, 0.5, weights=weights, test_examples=examples)
    return dataclasses.replace(run, run_id=f"{key}-news", dataset=NEWS,
                               test=classification_metrics(labels, probabilities, class_names=TOPICS))


def test_summary_ranks_within_each_dataset_and_puts_incomplete_models_last():
    runs = [make_run("a", 0.90, test_examples=400), make_run("b", 0.80, test_examples=400),
            make_run("c", 0.89, test_examples=400),
            news_run("a", 0.70), news_run("b", 0.95), news_run("d", 0.99)]
    sections = by_dataset(latest_per_model(runs))
    summary = summarise(sections)
    # IMDb ranks a 1, c 2, b 3; news d 1, b 2, a 3. Models with both datasets first, then the rest.
    assert [(row.first.key, row.mean_rank, len(row.runs)) for row in summary] == [
        ("a", 2.0, 2), ("b", 2.5, 2), ("d", 1.0, 1), ("c", 2.0, 1)]
    a, b, d, c = summary
    assert a.mean_accuracy == (0.90 + 0.70) / 2
    assert a.cell("imdb") == "**90.00%**" and b.cell("imdb") == "80.00%"  # 80 vs 90 on 400: separable
    assert c.cell("imdb") == "≈ 89.00%" and c.cell("news") == "–" and d.cell("news") == "**99.00%**"


def test_page_has_a_summary_then_a_section_per_dataset(tmp_path):
    for run in (make_run("a", 0.9, test_examples=400), make_run("b", 0.6, weights="stand-in", test_examples=400),
                news_run("a", 0.7), news_run("b", 0.25, weights="stand-in")):
        write_run(run, tmp_path)
    record_failure(tmp_path, "c", "C model", "", "out of memory", "python -m benchmark run ...", 42, "news")
    text = write_leaderboard(tmp_path)[0].read_text()
    assert text.startswith("# Leaderboard: TF-Hub encoders fine-tuned on 2 datasets")
    summary, imdb, news = (text.index("## Summary across datasets"), text.index("## IMDb movie reviews (`imdb`)"),
                           text.index("## news.csv (`news`)"))
    assert summary < imdb < news < text.index("## Failed runs") < text.index("## How these numbers were produced")
    assert "| 1 | a (`a`) | pretrained | **90.00%** | **70.00%** | 80.00% | 1.0 |" in text
    news_section = text[news:text.index("## Failed runs")]
    assert "4 classes (food, politics, sports, tech)" in news_section
    assert "25.00% [21.0–29.5] ⚠ at chance" in news_section  # chance: the largest class's share, 25%
    assert "| ✗ | C model (`c`) | **failed** |" in news_section  # the failure shows in its dataset's section
    assert "(`c` on news)" in text and "*BERT-base*" not in news_section  # published IMDb figures: IMDb only
    assert "| *macro mean* |" in text and "| true \\ predicted | food | politics | sports | tech |" in text
    rows = list(csv.DictReader((tmp_path / "leaderboard.csv").open()))
    assert [(row["dataset"], row["rank"], row["key"]) for row in rows] == [
        ("imdb", "1", "a"), ("imdb", "2", "b"), ("news", "1", "a"), ("news", "2", "b")]


def test_one_dataset_keeps_the_page_it_had(tmp_path):
    write_run(make_run("a", 0.9), tmp_path)
    text = write_leaderboard(tmp_path)[0].read_text()
    assert text.startswith("# Leaderboard: TF-Hub encoders fine-tuned on IMDb sentiment")
    assert "Summary across datasets" not in text and "**Dataset**: IMDb movie reviews (`imdb`)" in text

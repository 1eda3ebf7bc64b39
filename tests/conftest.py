"""Shared fixtures: a tiny generated aclImdb dataset, a tiny 4-class topic dataset, tiny vocabularies and a tiny
stand-in encoder."""

from __future__ import annotations

import os
import random
import sys
import tarfile
from pathlib import Path

import pytest

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

POSITIVE = ["great", "wonderful", "loved", "brilliant", "superb", "moving", "fun", "best"]
NEGATIVE = ["awful", "boring", "hated", "terrible", "dull", "worst", "waste", "bad"]
NEUTRAL = ["the", "movie", "film", "plot", "actor", "scene", "story", "it", "was", "a", "and", "this"]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TINY_MODEL = "small_bert_l2_h128"


def review(rng: random.Random, label: int, words: int = 20) -> str:
    """A synthetic review whose sentiment words match its label, with an HTML break inside."""
    cue = POSITIVE if label else NEGATIVE
    tokens = [rng.choice(cue) if rng.random() < 0.3 else rng.choice(NEUTRAL) for _ in range(words)]
    tokens.insert(words // 2, "<br /><br />")
    return " ".join(tokens) + "."


def write_aclimdb(root: Path, per_class: int = 24, seed: int = 0, unlabelled: int = 0) -> Path:
    """Write an ``aclImdb`` folder with ``per_class`` reviews in each of train/test x pos/neg (and ``unlabelled``
    ones in train/unsup, as the original archive has)."""
    rng = random.Random(seed)
    for split in ("train", "test"):
        for folder, label in (("neg", 0), ("pos", 1)):
            target = root / "aclImdb" / split / folder
            target.mkdir(parents=True)
            for i in range(per_class):
                rating = rng.randint(7, 10) if label else rng.randint(1, 4)
                (target / f"{i}_{rating}.txt").write_text(review(rng, label), encoding="utf-8")
    if unlabelled:
        (root / "aclImdb" / "train" / "unsup").mkdir()
        for i in range(unlabelled):
            (root / "aclImdb" / "train" / "unsup" / f"{i}_0.txt").write_text(review(rng, i % 2), encoding="utf-8")
    return root / "aclImdb"


# A tiny 4-class dataset (issue 16): headlines whose topic words match their label.
TOPICS = {"sports": ["goal", "match", "team", "coach", "score"], "politics": ["vote", "senate", "law", "minister"],
          "tech": ["chip", "software", "robot", "cloud", "code"], "food": ["recipe", "bake", "spice", "chef", "dinner"]}
TOPIC_NEUTRAL = ["the", "a", "today", "new", "report", "said", "week", "this", "and"]


def headline(rng: random.Random, topic: str, words: int = 12) -> str:
    return " ".join(rng.choice(TOPICS[topic]) if rng.random() < 0.4 else rng.choice(TOPIC_NEUTRAL)
                    for _ in range(words))


def topic_rows(per_class: int = 30, seed: int = 0) -> list[tuple[str, str]]:
    """``(headline, topic)`` rows, topics interleaved."""
    rng = random.Random(seed)
    return [(headline(rng, topic), topic) for _ in range(per_class) for topic in TOPICS]


def write_topics_csv(path: Path, per_class: int = 30, seed: int = 0, columns=("headline", "topic")) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(topic_rows(per_class, seed))
    return path


@pytest.fixture(scope="session")
def topics_csv(tmp_path_factory) -> Path:
    return write_topics_csv(tmp_path_factory.mktemp("topics") / "news_topics.csv")


@pytest.fixture(scope="session")
def topics_vocab(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("topics_vocab") / "vocab.txt"
    words = sorted({word for words in TOPICS.values() for word in words} | set(TOPIC_NEUTRAL))
    path.write_text("\n".join(SPECIAL + words) + "\n")
    return path


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory) -> Path:
    """The tests' own cache folder (tokenized reviews), never the user's; command-line runs inherit it."""
    from benchmark.core.paths import CACHE_ENV

    folder = tmp_path_factory.mktemp("cache")
    os.environ[CACHE_ENV] = str(folder)
    return folder


@pytest.fixture(scope="session")
def aclimdb(tmp_path_factory) -> Path:
    return write_aclimdb(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def aclimdb_archive(aclimdb: Path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("archive") / "aclImdb_v1.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        archive.add(aclimdb, arcname="aclImdb")
    return path


@pytest.fixture(scope="session")
def tiny_vocab(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    path.write_text("\n".join(SPECIAL + sorted(set(POSITIVE + NEGATIVE + NEUTRAL)) + [".", "<", ">", "/", "br"]) + "\n")
    return path


@pytest.fixture(scope="session")
def tiny_standin(tiny_vocab: Path, tmp_path_factory):
    from benchmark.encoders.registry import get_spec
    from benchmark.encoders.standins import build_standin

    return build_standin(get_spec(TINY_MODEL), tiny_vocab, tmp_path_factory.mktemp("models"))


def run_cli(*args: str, cwd: Path, timeout: int = 600, user_shell: bool = False):
    """Run ``python -m benchmark`` in a subprocess, as a user would. ``user_shell``: with the environment of a
    user's shell on a machine without a GPU, that is without the log level this test process sets for TensorFlow
    (or the package's marker that it chose one), and with every GPU hidden."""
    import subprocess

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    if user_shell:
        for name in ("TF_CPP_MIN_LOG_LEVEL", "TFHUB_BENCH_QUIET_START"):
            env.pop(name, None)
        env["CUDA_VISIBLE_DEVICES"] = "-1"
    return subprocess.run([sys.executable, "-m", "benchmark", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


# --- exports (issue 7): one tiny offline run exported with `run --save-model`, shared by the export,
# predict, serve and notebook tests. The synthetic reviews are easy, so this tiny model learns them.
TINY_EXPORT_RUN = ("--train-samples", "48", "--test-samples", "48", "--epochs", "6", "--batch-size", "8",
                   "--seq-length", "32", "--learning-rate", "0.003")


@pytest.fixture(scope="session")
def tiny_export(aclimdb, tiny_vocab, tmp_path_factory):
    """``(root, results dir, models dir, export dir, run file dict)`` of a tiny offline run with ``--save-model``."""
    import json
    import types

    root = tmp_path_factory.mktemp("tiny_export")
    result = run_cli("run", "--model", TINY_MODEL, "--standins", "--data-dir", str(aclimdb), "--vocab", str(tiny_vocab),
                     *TINY_EXPORT_RUN, "--output", "results", "--models-dir", "models", "--save-model", cwd=root)
    assert result.returncode == 0, result.stderr[-3000:]
    exports = [path for path in (root / "models").iterdir() if (path / "model_card.json").is_file()]
    assert len(exports) == 1, exports
    (run_file,) = (root / "results" / "runs").glob("*.json")
    return types.SimpleNamespace(root=root, results=root / "results", models=root / "models", path=exports[0],
                                 run=json.loads(run_file.read_text()), stdout=result.stdout)

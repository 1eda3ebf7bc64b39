"""The built-in TensorFlow Datasets sets (SST-2, Yelp polarity, AG News) through their real builders, offline.

Their download addresses are HTTPS, which the plain-HTTP proxy of ``test_fresh_machine.py`` cannot answer, so these
tests use TensorFlow Datasets' own manual-download mechanism, which is also what a user on a firewalled machine does:
a tiny archive made here, named as the builder registers it (``SST-2.zip``, ...), is put in TFDS's manual folder
(``$TFDS_DATA_DIR/downloads/manual/``), and its checksum is registered for the builder's address (as
``registered_tiny_archive`` does for IMDb). The product's own ``fetch``/``run`` path does the rest: the real builder
picks the file up, validates its checksum, extracts and generates the dataset. Without the registration the real
checksum check rejects the tiny archive, so checksum validation is never turned off.
"""

from __future__ import annotations

import io
import json
import random
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import NEGATIVE, NEUTRAL, POSITIVE, TOPICS, headline, run_cli

pytestmark = pytest.mark.slow


def sentence(rng: random.Random, label: int) -> str:
    cue = POSITIVE if label else NEGATIVE
    return " ".join(rng.choice(cue) if rng.random() < 0.4 else rng.choice(NEUTRAL) for _ in range(10))


def _add(archive: tarfile.TarFile, name: str, text: str) -> None:
    data = text.encode("utf-8")
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def sst2_zip(path: Path, rng: random.Random) -> None:
    """GLUE's layout: SST-2/{train,dev}.tsv with ``sentence<TAB>label``, test.tsv without labels."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, count in (("train", 24), ("dev", 8)):
            rows = "".join(f"{sentence(rng, i % 2)}\t{i % 2}\n" for i in range(count))
            archive.writestr(f"SST-2/{name}.tsv", "sentence\tlabel\n" + rows)
        archive.writestr("SST-2/test.tsv", "index\tsentence\n0\tno label here\n")


def yelp_tgz(path: Path, rng: random.Random) -> None:
    """The fast.ai layout: yelp_review_polarity_csv/{train,test}.csv, lines ``"1","text"`` (1 negative, 2 positive),
    newlines escaped as backslash-n and quotes doubled."""
    with tarfile.open(path, "w:gz") as archive:
        for name, count in (("train", 24), ("test", 8)):
            lines = "".join(f'"{1 + i % 2}","{sentence(rng, i % 2)}\\nsaid ""the"" {i}"\n' for i in range(count))
            _add(archive, f"yelp_review_polarity_csv/{name}.csv", lines)


def ag_news_tgz(path: Path, rng: random.Random) -> None:
    """ag_news_csv/{train,test}.csv, rows ``"class (1-4)","title","description"``."""
    topics = ("politics", "sports", "food", "tech")  # stand-ins for World, Sports, Business, Sci/Tech
    with tarfile.open(path, "w:gz") as archive:
        for name, count in (("train", 32), ("test", 8)):
            rows = "".join(f'"{1 + i % 4}","{headline(rng, topics[i % 4], 4)}","{headline(rng, topics[i % 4])}"\n'
                           for i in range(count))
            _add(archive, f"ag_news_csv/{name}.csv", rows)


def builders():
    from tensorflow_datasets.datasets.ag_news_subset import ag_news_subset_dataset_builder as ag_news
    from tensorflow_datasets.text.glue import Glue
    from tensorflow_datasets.text.yelp_polarity import YelpPolarityReviews

    return {"sst2": (Glue, "https://dl.fbaipublicfiles.com/glue/data/SST-2.zip", "SST-2.zip", sst2_zip),
            "yelp_polarity": (YelpPolarityReviews, "https://s3.amazonaws.com/fast-ai-nlp/yelp_review_polarity_csv.tgz",
                              "yelp_review_polarity_csv.tgz", yelp_tgz),
            "ag_news": (ag_news.Builder, ag_news._DOWNLOAD_URL, "ag_news_csv.tar.gz", ag_news_tgz)}


@pytest.fixture
def tfds_dir(tmp_path, monkeypatch) -> Path:
    """An empty TensorFlow Datasets folder for this test; HTTPS goes nowhere (a closed local port)."""
    import socket

    folder = tmp_path / "tfds"
    monkeypatch.setenv("TFDS_DATA_DIR", str(folder))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, nowhere)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    return folder


def manual_archive(tfds_dir: Path, key: str) -> Path:
    """The tiny archive of ``key``, made in TFDS's manual folder under the name the builder registers."""
    _, _, name, make = builders()[key]
    manual = tfds_dir / "downloads" / "manual"
    manual.mkdir(parents=True, exist_ok=True)
    make(manual / name, random.Random(7))
    return manual / name


@pytest.fixture
def registered(monkeypatch):
    """Register a tiny archive's checksum for its builder's address (in this process), as for IMDb."""
    from tensorflow_datasets.core.download import checksums

    def register(key: str, archive: Path) -> None:
        builder, url, _, _ = builders()[key]
        monkeypatch.setattr(builder, "url_infos", {url: checksums.compute_url_info(archive)})

    return register


def run_file(root: Path) -> dict:
    (path,) = (root / "out" / "runs").glob("*.json")
    return json.loads(path.read_text())


@pytest.mark.parametrize("key,classes,source,test_split", [
    ("sst2", ["negative", "positive"], "tfds:glue/sst2", "validation"),
    ("yelp_polarity", ["negative", "positive"], "tfds:yelp_polarity_reviews", "test"),
    ("ag_news", ["World", "Sports", "Business", "Sci/Tech"], "tfds:ag_news_subset", "test"),
])
def test_manually_downloaded_archive_is_fetched_by_the_real_builder_and_run_offline(
        tfds_dir, registered, tmp_path, key, classes, source, test_split):
    from benchmark.data.catalog import load_dataset
    from benchmark.suite.fetch import fetch_dataset

    registered(key, manual_archive(tfds_dir, key))
    done = fetch_dataset(key)  # what `fetch --dataset KEY` runs: the builder takes the manual file, no network
    assert done.status == "downloaded" and (done.folder / "dataset_info.json").is_file()
    assert fetch_dataset(key).status == "cached"
    loaded = load_dataset(key, offline=True)
    assert loaded.info.label_names == tuple(classes) and loaded.source == source
    assert all("\\n" not in text and '""' not in text for text in loaded.train.texts)  # Yelp's escapes undone

    result = run_cli("run", "--model", "tfidf_logreg", "--dataset", key, "--offline", "--output", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    run = run_file(tmp_path)
    assert run["data"]["source"] == source and run["dataset"]["test_split"] == test_split
    assert run["dataset"]["label_names"] == classes and len(run["test"]["confusion_matrix"]) == len(classes)
    board = (tmp_path / "out" / "leaderboard.md").read_text()
    assert f"test set: the `{test_split}` split" in board
    if key == "sst2":
        assert "GLUE's test labels are hidden, so GLUE's validation split (872 sentences) is the test set" in board


def test_without_the_file_the_error_names_the_manual_folder_and_the_file(tfds_dir, tmp_path):
    manual = tfds_dir / "downloads" / "manual"
    online = run_cli("run", "--model", "tfidf_logreg", "--dataset", "sst2", "--output", "out", cwd=tmp_path)
    line = online.stderr.strip().splitlines()[-1]
    assert online.returncode == 2 and line.startswith("error: could not download glue/sst2 with TensorFlow Datasets")
    assert "run `python -m benchmark fetch --dataset sst2` where there is internet and then `run --offline`" in line
    assert f"download https://dl.fbaipublicfiles.com/glue/data/SST-2.zip as SST-2.zip" in line
    assert f"put it in {manual}/" in line
    offline = run_cli("run", "--model", "tfidf_logreg", "--dataset", "ag_news", "--offline", "--output", "out",
                      cwd=tmp_path)
    line = offline.stderr.strip().splitlines()[-1]
    assert line.startswith("error: AG News (ag_news_subset) is not in the TensorFlow Datasets folder")
    assert "--offline downloads nothing" in line and f"as ag_news_csv.tar.gz where there is internet and put it in " \
                                                      f"{manual}/" in line
    assert not (tmp_path / "out").exists()


def test_a_manual_file_that_is_not_the_registered_one_is_rejected_by_its_checksum(tfds_dir, tmp_path):
    manual_archive(tfds_dir, "yelp_polarity")  # not registered: the builder expects the real 166 MB archive
    fetched = run_cli("fetch", "--dataset", "yelp_polarity", cwd=tmp_path)
    assert fetched.returncode == 1
    assert "[1/1] dataset yelp_polarity: failed: the Yelp polarity file in" in fetched.stdout
    assert "does not match the checksum TensorFlow Datasets has registered for it" in fetched.stdout
    assert "replace it with a fresh download of https://s3.amazonaws.com/fast-ai-nlp/yelp_review_polarity_csv.tgz" \
           in fetched.stdout

"""The paths a new user takes first, with no fake in them.

TensorFlow Datasets' own ``imdb_reviews`` builder downloads its archive through a proxy, extracts and generates the
dataset; tensorflow_hub's own resolver downloads compressed models from a mirror into ``TFHUB_CACHE_DIR``; ``fetch``
fills both caches; and ``run --offline`` trains from them once the server is gone. The server is a
:class:`~local_server.LocalServer` on 127.0.0.1 serving archives the tests make; nothing leaves the machine.

The one thing a test changes in a library is the checksum TensorFlow Datasets expects for the IMDb archive: the
tiny archive made here is not the real 84 MB one. ``registered_tiny_archive`` registers the tiny archive's
checksum explicitly, and ``test_main_command_reaches_the_download_and_rejects_an_unregistered_archive`` shows that
without it the real check rejects the archive, so the product never turns checksum validation off.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import socket
import subprocess
import sys
import tarfile
import urllib.parse
from pathlib import Path

import pytest

from conftest import TINY_MODEL, run_cli, write_aclimdb
from local_server import LocalServer, tar_gz_of

pytestmark = pytest.mark.slow

ENCODER = "https://tfhub.dev/tensorflow/small_bert/bert_en_uncased_L-2_H-128_A-2/1"  # TINY_MODEL's handles
PREPROCESSOR = "https://tfhub.dev/tensorflow/bert_en_uncased_preprocess/3"
TINY = ("--train-samples", "16", "--test-samples", "16", "--epochs", "1", "--batch-size", "8", "--seq-length", "32")


def imdb_url() -> str:
    """The address TensorFlow Datasets' builder downloads IMDb from (read from the builder itself)."""
    from tensorflow_datasets.datasets.imdb_reviews import imdb_reviews_dataset_builder as imdb

    return imdb._DOWNLOAD_URL


@pytest.fixture(scope="module")
def imdb_folder(tmp_path_factory) -> Path:
    """A tiny ``aclImdb`` in the original layout (train/unsup included, which the builder reads), with a review
    that is not ASCII."""
    folder = write_aclimdb(tmp_path_factory.mktemp("imdb"), per_class=12, seed=3, unlabelled=4)
    review = "Caf\u00e9 scenes, great!<br /><br />Loved it."
    (folder / "test" / "pos" / "99_10.txt").write_text(review, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def imdb_archive(imdb_folder) -> Path:
    """``imdb_folder`` as ``aclImdb_v1.tar.gz``."""
    path = imdb_folder.parent / "aclImdb_v1.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        archive.add(imdb_folder, arcname="aclImdb")
    return path


@pytest.fixture(scope="module")
def routes(tiny_standin, imdb_archive) -> dict[str, bytes]:
    """What the server answers: the tiny model under the registry handles' paths, and the IMDb archive."""
    def path(url: str) -> str:
        return urllib.parse.urlsplit(url).path

    return {path(ENCODER): tar_gz_of(tiny_standin.encoder_path),
            path(PREPROCESSOR): tar_gz_of(tiny_standin.preprocessor_path),
            path(imdb_url()): imdb_archive.read_bytes()}


@pytest.fixture
def server(routes):
    with LocalServer(routes) as running:
        yield running


@pytest.fixture
def caches(tmp_path, monkeypatch) -> dict[str, Path]:
    """Empty TF-Hub and TensorFlow Datasets caches for this test (in this process and its subprocesses)."""
    folders = {"TFHUB_CACHE_DIR": tmp_path / "hub", "TFDS_DATA_DIR": tmp_path / "tfds"}
    for name, folder in folders.items():
        monkeypatch.setenv(name, str(folder))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name in ("TFHUB_BENCH_HUB_MIRROR", "TFHUB_BENCH_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    return folders


@pytest.fixture
def proxy(server, monkeypatch):
    """Plain-HTTP downloads (TensorFlow Datasets' IMDb address) go through the server."""
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("http_proxy", server.url)
    return server


@pytest.fixture
def registered_tiny_archive(imdb_archive):
    """TensorFlow Datasets expects the tiny archive's checksum instead of the real archive's (in this process)."""
    from tensorflow_datasets.core.download import checksums
    from tensorflow_datasets.datasets.imdb_reviews import imdb_reviews_dataset_builder as imdb

    imdb.Builder.url_infos = {imdb_url(): checksums.compute_url_info(imdb_archive)}
    yield
    del imdb.Builder.url_infos  # back to the class property that reads the builder's checksums.tsv


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def cache_folder(cache: Path, handle: str) -> Path:
    return cache / hashlib.sha1(handle.encode()).hexdigest()


def run_file(root: Path, key: str) -> dict:
    (path,) = (root / "out" / "runs").glob(f"{key}-*.json")
    return json.loads(path.read_text())


def error_line(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result.stderr.strip().splitlines()[-1]


def test_the_project_declares_what_tensorflow_datasets_imports():
    requires = importlib.metadata.requires("tfhub-bench") or []
    assert any(r.startswith("importlib_resources") and "extra ==" not in r for r in requires), requires


def test_tfds_builder_downloads_imdb_through_a_proxy_and_run_reads_it(caches, proxy, registered_tiny_archive,
                                                                     imdb_folder, tmp_path):
    from benchmark.data.imdb import load_imdb
    from benchmark.suite.fetch import fetch_dataset

    done = fetch_dataset("imdb")  # what `fetch --dataset imdb` runs: TFDS's builder, download to generation
    assert done.status == "downloaded" and imdb_url() in proxy.requests
    assert done.folder == caches["TFDS_DATA_DIR"] / "imdb_reviews" / "plain_text" / "1.0.0"
    assert (done.folder / "dataset_info.json").is_file()
    assert fetch_dataset("imdb").status == "cached"  # idempotent
    requests_so_far = len(proxy.requests)

    from_tfds, from_folder = load_imdb(None), load_imdb(imdb_folder)  # the same reviews, cleaned and labelled alike
    assert from_tfds.source == "tfds:imdb_reviews" and len(from_tfds.train) == len(from_tfds.test) - 1 == 24
    for split in ("train", "test"):
        assert getattr(from_tfds, split).texts == getattr(from_folder, split).texts
        assert getattr(from_tfds, split).labels.tolist() == getattr(from_folder, split).labels.tolist()
    assert "Café scenes, great! Loved it." in from_tfds.test.texts

    result = run_cli("run", "--model", "tfidf_logreg", "--train-samples", "16", "--test-samples", "16",
                     "--output", "out", cwd=tmp_path)  # no --data-dir: TensorFlow Datasets
    assert result.returncode == 0, result.stderr[-3000:]
    data = run_file(tmp_path, "tfidf_logreg")["data"]
    assert data["source"] == "tfds:imdb_reviews"
    assert (data["train_examples"] + data["validation_examples"], data["test_examples"]) == (16, 16)
    assert "Traceback" not in result.stderr and "Variant folder" not in result.stderr
    assert len(proxy.requests) == requests_so_far  # read from the prepared folder, not downloaded again


def test_main_command_reaches_the_download_and_rejects_an_unregistered_archive(caches, proxy, tmp_path):
    result = run_cli("run", "--model", "tfidf_logreg", "--output", "out", cwd=tmp_path)
    assert result.returncode == 2
    line = error_line(result)
    assert line.startswith("error: the downloaded IMDb archive does not match the checksum TensorFlow Datasets")
    assert "fetch --dataset imdb" in line and "importlib_resources" not in result.stderr
    assert imdb_url() in proxy.requests  # TensorFlow Datasets got as far as downloading
    assert not (tmp_path / "out").exists()

    fetched = run_cli("fetch", "--dataset", "imdb", cwd=tmp_path)
    assert fetched.returncode == 1
    assert "[1/1] dataset imdb: failed: the downloaded IMDb archive does not match" in fetched.stdout


def test_no_network_is_one_line_naming_both_ways_out(caches, aclimdb, tmp_path, monkeypatch):
    nowhere = closed_port_url()
    monkeypatch.setenv("HTTP_PROXY", nowhere)
    monkeypatch.setenv("http_proxy", nowhere)
    dataset = error_line(run_cli("run", "--model", "tfidf_logreg", "--output", "out", cwd=tmp_path))
    assert dataset.startswith("error: could not download imdb_reviews with TensorFlow Datasets (")
    assert "fetch --dataset imdb` where there is internet and then `run --offline`, or pass --data-dir" in dataset

    model = error_line(run_cli("run", "--model", TINY_MODEL, "--hub-mirror", nowhere, "--data-dir", str(aclimdb),
                               *TINY, "--output", "out", cwd=tmp_path))
    assert model.startswith(f"error: cannot download encoder {nowhere}/tensorflow/small_bert/bert_en_uncased_L-2_")
    assert f"fetch --model {TINY_MODEL}` where there is internet and then `run --offline`" in model
    assert "or use --standins" in model

    offline = error_line(run_cli("run", "--model", TINY_MODEL, "--offline", "--data-dir", str(aclimdb), *TINY,
                                 "--output", "out", cwd=tmp_path))
    assert offline.startswith(f"error: encoder {ENCODER} is not in the TF-Hub cache "
                              f"{caches['TFHUB_CACHE_DIR']} and --offline downloads nothing")
    assert f"`python -m benchmark fetch --model {TINY_MODEL}`" in offline
    no_imdb = error_line(run_cli("run", "--model", "tfidf_logreg", "--offline", "--output", "out", cwd=tmp_path))
    assert no_imdb.startswith("error: IMDb (imdb_reviews) is not in the TensorFlow Datasets folder")
    assert not (tmp_path / "out" / "runs").exists()


def test_run_loads_models_through_the_hub_resolver_from_a_mirror_then_from_its_cache(caches, server, aclimdb,
                                                                                     tiny_standin, tmp_path):
    from benchmark.encoders.hub_cache import fingerprint

    command = ("run", "--model", TINY_MODEL, "--data-dir", str(aclimdb), *TINY, "--output", "out")
    result = run_cli(*command, "--hub-mirror", server.url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    for handle in (ENCODER, PREPROCESSOR):  # tensorflow_hub's compressed-model request, at the mirror
        assert urllib.parse.urlsplit(handle).path + "?tf-hub-format=compressed" in server.requests
        assert (cache_folder(caches["TFHUB_CACHE_DIR"], handle) / "saved_model.pb").is_file()
    assert not list(caches["TFHUB_CACHE_DIR"].glob("*.lock")) and not list(caches["TFHUB_CACHE_DIR"].glob("*.tmp"))
    run = run_file(tmp_path, TINY_MODEL)
    encoder = run["weights_source"]["encoder"]
    assert run["weights"] == "pretrained" and encoder["handle"] == ENCODER
    assert encoder["folder"] == str(cache_folder(caches["TFHUB_CACHE_DIR"], ENCODER))
    assert encoder["origin"] == f"downloaded from {server.url}/tensorflow/small_bert/bert_en_uncased_L-2_H-128_A-2/1"
    assert encoder["fingerprint"] == fingerprint(tiny_standin.encoder_path)  # the very weights that were served
    assert encoder["fingerprint"] in (tmp_path / "out" / "leaderboard.md").read_text()

    server.stop()
    again = run_cli(*command, "--force", cwd=tmp_path)  # no mirror, server gone: the cache serves the handles
    assert again.returncode == 0, again.stderr[-3000:]
    runs = sorted((tmp_path / "out" / "runs").glob("*.json"))
    assert len(runs) == 2
    assert json.loads(runs[-1].read_text())["weights_source"]["encoder"]["origin"] == "TF-Hub cache"


def test_fetch_then_offline_suite_trains_with_the_server_gone(caches, proxy, registered_tiny_archive, tmp_path):
    from benchmark.suite.fetch import fetch_dataset

    fetched = run_cli("fetch", "--model", TINY_MODEL, "--hub-mirror", proxy.url, cwd=tmp_path)
    assert fetched.returncode == 0, fetched.stderr[-3000:]
    lines = fetched.stdout.splitlines()
    assert any(line.startswith(f"[1/2] encoder {TINY_MODEL}: downloaded, ") and "loads ->" in line for line in lines)
    assert any(line.startswith(f"[2/2] preprocessor {TINY_MODEL}: downloaded, ") for line in lines)
    assert f"TF-Hub cache (TFHUB_CACHE_DIR): {caches['TFHUB_CACHE_DIR']}" in fetched.stdout
    assert fetch_dataset("imdb").status == "downloaded"  # `fetch --dataset imdb`'s own code, with the tiny archive registered
    proxy.stop()

    suite = run_cli("run", "--offline", "--model", TINY_MODEL, "--model", "tfidf_logreg", *TINY, "--output", "out",
                    cwd=tmp_path)
    assert suite.returncode == 0, suite.stderr[-3000:]
    assert "suite: 2 run, 0 skipped (already done), 0 failed" in suite.stdout
    assert run_file(tmp_path, TINY_MODEL)["weights_source"]["encoder"]["origin"] == "TF-Hub cache"
    assert run_file(tmp_path, "tfidf_logreg")["data"]["source"] == "tfds:imdb_reviews"

    refetched = run_cli("fetch", "--model", TINY_MODEL, cwd=tmp_path)  # idempotent, and needs no network
    assert refetched.returncode == 0, refetched.stdout + refetched.stderr[-2000:]
    assert f"[1/2] encoder {TINY_MODEL}: cached, " in refetched.stdout


def test_damaged_cache_is_one_line_and_fetch_repairs_it(caches, server, aclimdb, tmp_path):
    fetch = ("fetch", "--model", TINY_MODEL, "--hub-mirror", server.url)
    assert run_cli(*fetch, cwd=tmp_path).returncode == 0
    hub = caches["TFHUB_CACHE_DIR"]
    (weights,) = (cache_folder(hub, ENCODER) / "variables").glob("variables.data-*")
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])  # a half-copied cache
    run = ("run", "--model", TINY_MODEL, "--offline", "--data-dir", str(aclimdb), *TINY, "--output", "out")
    broken = error_line(run_cli(*run, cwd=tmp_path))
    assert broken.startswith(f"error: the cached encoder in {cache_folder(hub, ENCODER)} is damaged (")
    assert broken.endswith(f"run `python -m benchmark fetch --model {TINY_MODEL}` to download it again")

    # and a download of the preprocessor that was killed: its lock and partial folder are left, the model is not
    preprocessor = cache_folder(hub, PREPROCESSOR)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    subprocess.run(["rm", "-rf", str(preprocessor), f"{preprocessor}.descriptor.txt"], check=True)
    Path(f"{preprocessor}.lock").write_text(f"{socket.gethostname()}.{dead.stdout.strip()}.0123abcd")
    Path(f"{preprocessor}.0123abcd.tmp").mkdir()

    repaired = run_cli(*fetch, cwd=tmp_path, timeout=300)  # must not wait out tensorflow_hub's 10-minute lock
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr[-3000:]
    assert f"[1/2] encoder {TINY_MODEL}: repaired, " in repaired.stdout
    assert f"[2/2] preprocessor {TINY_MODEL}: downloaded, " in repaired.stdout
    assert not list(hub.glob("*.lock")) and not list(hub.glob("*.tmp"))
    assert run_cli(*run, cwd=tmp_path).returncode == 0

"""``serve``: the web page answers reviews, shows the leaderboard and plots, and survives bad input."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TINY_MODEL

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
GOOD = "the film was great and i loved it, wonderful"
# A 1x1 PNG, standing in for a plot the report writes.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ff"
                    "ff3f0005fe02fea7d6a4b40000000049454e44ae426082")


@pytest.fixture(scope="module")
def results_with_plot(tiny_export, tmp_path_factory):
    results = tmp_path_factory.mktemp("served") / "results"
    shutil.copytree(tiny_export.results, results)
    (results / "plots").mkdir(exist_ok=True)  # the report has drawn its own plots there already
    (results / "plots" / "accuracy_vs_time.png").write_bytes(PNG)
    return results


@pytest.fixture(scope="module")
def client(tiny_export, results_with_plot):
    from benchmark.deploy.predict import load_predictor
    from benchmark.deploy.serve import create_app

    return create_app(load_predictor(tiny_export.path), results_with_plot).test_client()


def test_page_shows_form_standin_warning_leaderboard_and_plots(client, tiny_export):
    page = client.get("/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'id="review"' in body and 'id="classify"' in body and 'id="result"' not in body
    assert 'id="standin"' in body and "RANDOM weights" in body
    assert "<table>" in body and f"<code>{TINY_MODEL}</code>" in body and "stand-in (random weights)" in body
    assert '<img src="/plots/accuracy_vs_time.png"' in body
    assert client.get("/plots/accuracy_vs_time.png").data == PNG
    assert client.get("/plots/../leaderboard.md").status_code == 404


def test_review_gets_label_and_probability_and_bad_input_an_error(client):
    good = client.post("/", data={"review": GOOD})
    assert good.status_code == 200
    body = good.get_data(as_text=True)
    assert 'data-label="positive"' in body and 'id="error"' not in body and GOOD in body
    for review, message in (("", "the review is empty"), ("   \n ", "the review is empty"),
                            ("x" * 100_000, "the review has 100,000 characters")):
        bad = client.post("/", data={"review": review})
        assert bad.status_code == 400
        assert message in bad.get_data(as_text=True) and 'id="result"' not in bad.get_data(as_text=True)
    oversized = client.post("/", data={"review": "y" * 2_000_000})
    assert oversized.status_code == 413 and "is over 1,000,000 bytes" in oversized.get_data(as_text=True)
    again = client.post("/", data={"review": "boring and awful, a waste"})
    assert 'data-label="negative"' in again.get_data(as_text=True)


def test_json_api(client):
    answer = client.post("/api/predict", json={"text": GOOD})
    assert answer.status_code == 200
    assert answer.json["label"] == "positive" and 0.5 <= answer.json["probability"] <= 1
    assert answer.json["weights"] == "stand-in" and answer.json["model"] == TINY_MODEL
    empty = client.post("/api/predict", json={"text": ""})
    assert empty.status_code == 400 and empty.json == {"error": "the review is empty: give the text of a review"}
    assert client.post("/api/predict", data="not json").status_code == 400


def test_missing_leaderboard_says_how_to_make_one(tiny_export, tmp_path):
    from benchmark.deploy.predict import load_predictor
    from benchmark.deploy.serve import create_app

    body = create_app(load_predictor(tiny_export.path), tmp_path / "none").test_client().get("/").get_data(as_text=True)
    assert "No leaderboard at" in body and "<img" not in body


def _chromium_or_skip():
    if CHROMIUM.is_file():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{CHROMIUM} is missing on CI: the browser test needs Debian's chromium "
                    "(apt-get install -y chromium, as .ci/run does)")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium); on CI this test fails instead")


def _start_server(export: Path, results: Path, cwd: Path) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    log = cwd / "serve.log"
    with log.open("w") as stderr:
        server = subprocess.Popen([sys.executable, "-m", "benchmark", "serve", "--model", str(export), "--results",
                                   str(results), "--port", "0"], cwd=cwd, env=env, stdout=subprocess.PIPE,
                                  stderr=stderr, text=True)
    line = server.stdout.readline()  # blocks until the address is printed or the process ends
    if not line.startswith("Serving "):
        server.kill()
        raise AssertionError(f"serve did not start: {line!r} {log.read_text()[-3000:]}")
    return server, line.split(" at ", 1)[1].split()[0]


def test_browser_types_a_review_clicks_and_reads_the_sentiment(tiny_export, results_with_plot, tmp_path):
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    server, address = _start_server(tiny_export.path, results_with_plot, tmp_path)
    try:
        assert address.startswith("http://127.0.0.1:")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(address)
            assert "RANDOM weights" in page.inner_text("#standin")
            assert TINY_MODEL in page.inner_text("#leaderboard table")
            assert page.locator("img[src='/plots/accuracy_vs_time.png']").evaluate("img => img.naturalWidth") == 1

            page.fill("#review", GOOD)
            page.click("#classify")
            page.wait_for_selector("#result")
            assert page.inner_text("#label") == "positive"
            probability = float(page.inner_text("#probability").rstrip("%"))
            assert 50 <= probability <= 100
            assert page.input_value("#review") == GOOD

            page.fill("#review", "")
            page.click("#classify")
            page.wait_for_selector("#error")
            assert "the review is empty" in page.inner_text("#error")

            page.fill("#review", "z" * 100_000)
            page.click("#classify")
            page.wait_for_selector("#error")
            assert "100,000 characters" in page.inner_text("#error")

            page.fill("#review", "boring and awful, a waste")
            page.click("#classify")
            page.wait_for_selector("#result")
            assert page.inner_text("#label") == "negative"
            browser.close()
        assert server.poll() is None, "the server stopped"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def test_serve_port_in_use_is_one_line_exit_2(tiny_export, tmp_path):
    import socket

    from conftest import run_cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--model", str(tiny_export.path), "--port", str(port), cwd=tmp_path, timeout=300)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"cannot listen on 127.0.0.1:{port}" in errors[0], result.stderr[-2000:]

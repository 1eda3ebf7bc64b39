"""``leaderboard.html``: one self-contained page beside leaderboard.md, opened from disk in headless Chromium: it
shows the paired columns and the plots inline, sorts on a click, and asks the network for nothing."""

import re

import numpy as np
import pytest

from benchmark.leaderboard.write import write_leaderboard
from benchmark.records.run import write_run
from test_paired import paired_run
from test_serve import CHROMIUM, CHROMIUM_ARGS, _chromium_or_skip


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    rng = np.random.default_rng(3)
    labels = np.array([0, 1] * 150)
    for key, share, train_seconds in (("alpha", 0.92, 30.0), ("beta", 0.8, 10.0), ("gamma", 0.6, 20.0)):
        run = paired_run(key, rng.random(300) < share, labels)
        run.timing["train_seconds"] = train_seconds
        run.history.append({"epoch": 1, "seconds": train_seconds, "validation_accuracy": share})
        write_run(run, folder)
    write_leaderboard(folder)
    return folder


def test_page_is_self_contained(results):
    text = (results / "leaderboard.html").read_text()
    assert "Paired vs. leader" in text and "Rank 95%" in text and "<code>alpha</code>" in text
    assert re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', text)
    assert not re.search(r'(src|href)="(?!data:)', text)  # nothing referenced outside the file
    assert "default-src 'none'" in text


@pytest.mark.slow
def test_page_opens_from_disk_and_sorts(results):
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    requests = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.goto((results / "leaderboard.html").as_uri())
        page.wait_for_load_state("load")
        table = page.locator("table.sortable").first

        def models() -> list[str]:
            return [cell.split(" (")[0] for cell in table.locator("tbody tr td:nth-child(2)").all_inner_texts()]

        assert models() == ["alpha", "beta", "gamma"]
        headers = table.locator("thead th")
        train_time = headers.filter(has_text="Train time")
        train_time.click()
        assert models() == ["beta", "gamma", "alpha"] and train_time.get_attribute("aria-sort") == "ascending"
        train_time.click()
        assert models() == ["alpha", "gamma", "beta"]
        headers.filter(has_text="Model").click()
        assert models() == ["alpha", "beta", "gamma"]
        assert page.locator("img").first.evaluate("img => img.naturalWidth") > 100  # the inline plot decoded
        browser.close()
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []

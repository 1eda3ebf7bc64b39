"""``leaderboard.html``: the leaderboard as one self-contained page to share (plots inline as data URIs, a table per
dataset that sorts by any column on a click, nothing loaded from the network), from the same columns as the
Markdown page."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any, Sequence

from benchmark.leaderboard.columns import TABLE, Ranked
from benchmark.leaderboard.rows import by_dataset, dataset_title
from benchmark.leaderboard.table import Comparisons, Selections, ranked
from benchmark.records.repeats import SeedSummary
from benchmark.records.run import RunResult

STYLE = """body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top}th{background:#f3f3f3;cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right}img{max-width:100%}code{font-size:12px}.note{color:#555;max-width:70em}"""
# Nothing may load from anywhere: images are data URIs, style and script are inline.
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
# Click a header: sort by its data-sort values (numbers as numbers, empty last); click again: the other way.
SCRIPT = """document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.addEventListener("click", function () {
      var up = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      function key(row) { return row.cells[column].getAttribute("data-sort"); }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === "" || y === "") { return (x === "") - (y === ""); }
        var nx = Number(x), ny = Number(y), order;
        order = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
        return up ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});"""


def inline_markdown(text: str) -> str:
    """A Markdown cell as HTML: escaped, with ``**bold**``, ``*italic*`` and `` `code` ``."""
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    escaped = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", escaped)


def _sort_value(row: Ranked, index: int) -> str:
    """What a column sorts by: its first ``leaderboard.csv`` value (a number where it is one)."""
    value = TABLE[index].values(row)[0]
    return "" if value is None else str(value)


def _table(rows: Sequence[Ranked]) -> list[str]:
    header = "".join(f"<th>{html.escape(column.header or '')}</th>" for column in TABLE)
    lines = ['<table class="sortable">', f"<thead><tr>{header}</tr></thead>", "<tbody>"]
    for row in rows:
        cells = "".join(
            f'<td{" class=num" if column.align == "---:" else ""} data-sort="{html.escape(_sort_value(row, i))}">'
            f"{inline_markdown(column.cell(row))}</td>" for i, column in enumerate(TABLE))
        lines.append(f"<tr>{cells}</tr>")
    return lines + ["</tbody>", "</table>"]


def data_uri(path: Path) -> str | None:
    """A PNG as a ``data:`` URI (None when it is not there)."""
    try:
        return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError:
        return None


def _plots(dataset: str, plots: dict[str, str], output_dir: Path) -> list[str]:
    shown = (("training", "Training loss per step and validation accuracy per epoch"),
             ("frontier", "Test accuracy against training time"), ("confusion", "Confusion matrices"))
    images = [(alt, data_uri(Path(output_dir) / plots[f"{name}:{dataset}"])) for name, alt in shown
              if f"{name}:{dataset}" in plots]
    return [f'<p><img alt="{html.escape(alt)}" src="{uri}"></p>' for alt, uri in images if uri]


NOTE = ("Rows: the newest run of each model, best test accuracy first (click a header to sort). <em>Paired</em> "
        "columns compare rows scored on the same test examples: accuracy difference with its paired 95% interval and "
        "McNemar's exact p-value; <em>Rank 95%</em> comes from a paired bootstrap over the test examples; rows with "
        "the same <em>Group</em> letter cannot be told apart. leaderboard.md explains every column.")


def render_html(rows: list[RunResult], output_dir: Path, plots: dict[str, str] | None = None,
                spreads: dict[str, SeedSummary | None] | None = None, selections: Selections | None = None,
                comparisons: Comparisons | None = None) -> str:
    """The page: a sortable table and the plots (inline) for each dataset."""
    plots = plots or {}
    body: list[str] = ["<h1>Leaderboard: TF-Hub encoders fine-tuned on text classification</h1>",
                       f'<p class="note">{NOTE}</p>']
    if not rows:
        body.append("<p>No runs yet: <code>python -m benchmark run --model small_bert_l4_h512</code> adds one.</p>")
    for dataset, section in by_dataset(rows).items():
        body += [f"<h2>{inline_markdown(dataset_title(section[0]))}</h2>",
                 *_table(ranked(section, spreads, selections, comparisons)), *_plots(dataset, plots, output_dir)]
    return "\n".join(['<!DOCTYPE html>', '<html lang="en">', "<head>", '<meta charset="utf-8">',
                      f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
                      "<title>tfhub-bench leaderboard</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
                      *body, f"<script>{SCRIPT}</script>", "</body>", "</html>", ""])


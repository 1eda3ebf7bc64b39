"""Rebuilds ``leaderboard.md``, ``leaderboard.csv``, ``leaderboard.html`` and the plots from the run files, never by
hand."""

from __future__ import annotations

import logging
from pathlib import Path

from benchmark.core.atomic import atomic_write_text
from benchmark.core.paths import LEADERBOARD_HTML, LEADERBOARD_PAGE, LEADERBOARD_TABLE
from benchmark.leaderboard.html import render_html
from benchmark.leaderboard.page import render_markdown
from benchmark.leaderboard.paired import compare_rows
from benchmark.leaderboard.published import published_figures
from benchmark.leaderboard.rows import by_dataset, latest_per_model
from benchmark.leaderboard.table import render_csv
from benchmark.records.failures import load_failures
from benchmark.records.repeats import seed_summary
from benchmark.records.run import load_runs
from benchmark.records.selection import load_selections, not_chosen, selection_of

log = logging.getLogger(__name__)


def write_leaderboard(output_dir: Path) -> tuple[Path, list[str]]:
    """Rebuild the leaderboard files and plots in ``output_dir`` from its run files; return the page and problems."""
    from benchmark.leaderboard.plots import write_plots  # deferred: matplotlib, which `list` need not load

    runs, problems = load_runs(output_dir)
    failures, failure_problems = load_failures(output_dir)
    selections, selection_problems = load_selections(output_dir)
    problems += failure_problems + selection_problems
    for problem in problems:
        log.warning(problem)
    rows = latest_per_model(runs, not_chosen(selections))
    chosen = {run.run_id: selection for run in rows if (selection := selection_of(run, selections))}
    spreads = {run.run_id: seed_summary(run, runs) for run in rows}
    comparisons = {run_id: paired for section in by_dataset(rows).values()
                   for run_id, paired in compare_rows(section, runs).items()}
    published = published_figures()
    plots = write_plots(rows, published, output_dir)
    page = Path(output_dir) / LEADERBOARD_PAGE
    atomic_write_text(Path(output_dir) / LEADERBOARD_TABLE, render_csv(rows, spreads, chosen, comparisons))
    atomic_write_text(Path(output_dir) / LEADERBOARD_HTML, render_html(rows, output_dir, plots, spreads, chosen,
                                                                      comparisons))
    atomic_write_text(page, render_markdown(rows, problems, published=published, failures=failures, plots=plots,
                                            spreads=spreads, selections=chosen, comparisons=comparisons))
    return page, problems

"""How values read on the leaderboard page: durations, sizes, percentages, intervals, the gap to the leader, paired
comparisons and rank intervals."""

from __future__ import annotations

from benchmark.leaderboard.paired import PairedRow
from benchmark.leaderboard.rows import accuracy_interval, chance, separable_from_leader
from benchmark.records.metrics import is_at_chance
from benchmark.records.paired import PairedComparison
from benchmark.records.repeats import SeedSummary
from benchmark.records.run import RunResult
from benchmark.records.selection import Selection

PUBLISHED_LABEL = "published, not measured here"
NOT_SEPARABLE = "≈ not separable"
CHANCE_FLAG = "⚠ at chance"
DASH = "–"


def millions(count: int) -> str:
    return f"{count / 1e6:.1f}M" if count >= 100_000 else f"{count / 1e3:.1f}k"


def duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def percent(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.2f}%"


def number(value: float | None, digits: int = 4) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def interval(run: RunResult) -> str:
    """Test accuracy with its 95% interval, flagged when it is within chance."""
    low, high = accuracy_interval(run)
    flag = f" {CHANCE_FLAG}" if at_chance(run) else ""
    return f"{100 * run.test['accuracy']:.2f}% [{100 * low:.1f}–{100 * high:.1f}]{flag}"


def at_chance(run: RunResult) -> bool:
    """Whether the run's test accuracy is within the 95% range of its test set's chance level."""
    return is_at_chance(run.test["accuracy"], int(run.data["test_examples"]), chance(run))


def over_seeds(summary: SeedSummary | None) -> str:
    if summary is None:
        return DASH
    return f"{100 * summary.mean:.2f} ± {100 * summary.std:.2f}% ({len(summary.seeds)} seeds)"


def versus_leader(run: RunResult, leader: RunResult) -> str:
    separable = separable_from_leader(run, leader)
    if separable is None:
        return "**leader**"
    gap = 100 * (run.test["accuracy"] - leader.test["accuracy"])
    return f"{gap:+.2f} pts" if separable else f"{NOT_SEPARABLE} ({gap:+.2f} pts)"


def learning_rate(run: RunResult, selection: Selection | None) -> str:
    """The peak learning rate, and when a grid chose it, how many rates it was chosen from."""
    rate = run.hyperparameters.get("learning_rate")
    if rate is None:
        return DASH
    return f"{rate:g} (best val. of {len(selection.grid)})" if selection else f"{rate:g}"


def before(run: RunResult) -> str:
    scores = run.before_fine_tuning
    return DASH if not scores else percent(scores.get("accuracy"))


def p_value(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def paired(comparison: PairedComparison | None) -> str:
    """A row's accuracy minus another's on the same examples, its paired 95% interval and McNemar's p-value."""
    if comparison is None:
        return DASH
    return (f"{100 * comparison.difference:+.2f} pts [{100 * comparison.low:+.1f}, {100 * comparison.high:+.1f}], "
            f"{p_value(comparison.p_value)}")


def versus_leader_paired(row: PairedRow | None) -> str:
    """The paired comparison with the leader; for the leader, ``leader``; for a row left out, why."""
    if row is None:
        return DASH
    if row.note:
        return f"{DASH} ({row.note})"
    return "**leader**" if row.versus_leader is None else paired(row.versus_leader)


def rank_interval(row: PairedRow | None) -> str:
    """The 95% rank interval, e.g. ``2–5``; one number when it is one rank."""
    if row is None or row.rank_low is None:
        return DASH
    return str(row.rank_low) if row.rank_low == row.rank_high else f"{row.rank_low}–{row.rank_high}"


def group(row: PairedRow | None) -> str:
    """Rows the data cannot tell apart share a letter (A: the leader's)."""
    if row is None or row.group is None:
        return DASH
    return group_letter(row.group)


def group_letter(number: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return letters[number - 1] if number <= len(letters) else f"G{number}"

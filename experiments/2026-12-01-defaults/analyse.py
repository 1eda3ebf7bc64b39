"""Summarise the runs of ``defaults_accuracy.py`` into ``results.md``: paired accuracy differences between configs.

For each sequence length: accuracy per (seed, config); for each pair (B vs A, C vs B, C vs A), per seed, the
paired difference in points, the reviews only one config gets right (b: only the first, c: only the second),
and a 95% interval for the difference from the normal approximation for paired proportions,
var = (b + c - (b - c)^2 / n) / n^2; then the mean over seeds with a 95% interval from the pooled per-seed
variance (mean of the per-seed variances / number of seeds). Also median train/eval seconds per config.

  python experiments/2026-12-01-defaults/analyse.py [--raw DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PAIRS = (("B", "A"), ("C", "B"), ("C", "A"))
Z95 = 1.959964
CONFIG_LABELS = {"A": "bucketing off, head (today)", "B": "bucketing on, head", "C": "bucketing on, head_tail"}


def load(raw: Path) -> dict[int, dict[int, dict[str, dict]]]:
    """runs[length][seed][config] = record."""
    runs: dict = defaultdict(lambda: defaultdict(dict))
    for path in sorted(raw.glob("L*_seed*_*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        runs[record["seq_length"]][record["seed"]][record["config"]] = record
    return runs


def paired(first: dict, second: dict) -> dict:
    """The paired comparison of ``first`` minus ``second`` on the same reviews."""
    labels = np.asarray(first["labels"])
    if not np.array_equal(labels, np.asarray(second["labels"])):
        raise SystemExit(f"L={first['seq_length']} seed={first['seed']}: {first['config']} and {second['config']} "
                         "were scored on different reviews")
    right_1 = (np.asarray(first["probabilities"]) >= 0.5) == labels
    right_2 = (np.asarray(second["probabilities"]) >= 0.5) == labels
    n = len(labels)
    b = int(np.sum(right_1 & ~right_2))
    c = int(np.sum(~right_1 & right_2))
    diff = (b - c) / n
    var = (b + c - (b - c) ** 2 / n) / n ** 2
    return {"n": n, "b": b, "c": c, "diff": diff, "var": var}


def points(x: float) -> str:
    return f"{100 * x:+.2f}"


def interval(diff: float, var: float) -> str:
    half = Z95 * math.sqrt(max(var, 0.0))
    return f"[{100 * (diff - half):+.2f}, {100 * (diff + half):+.2f}]"


def length_section(length: int, by_seed: dict[int, dict[str, dict]]) -> list[str]:
    seeds = sorted(by_seed)
    configs = sorted({c for runs in by_seed.values() for c in runs})
    out = [f"## seq_length {length}", ""]
    some = next(iter(next(iter(by_seed.values())).values()))
    counts = np.asarray(some.get("token_counts", []))
    if counts.size:
        longer = [int(np.sum(np.asarray(next(iter(r.values()))["token_counts"]) > length - 2))
                  for r in by_seed.values()]
        out += [f"Validation reviews longer than the {length - 2}-token budget (where head and head_tail differ): "
                + ", ".join(f"seed {s}: {k} of {len(next(iter(by_seed[s].values()))['labels'])}"
                            for s, k in zip(by_seed, longer)), ""]

    out += ["### Validation accuracy (%)", "",
            "| seed | " + " | ".join(f"{c}: {CONFIG_LABELS.get(c, c)}" for c in configs) + " |",
            "|---|" + "---|" * len(configs)]
    for seed in seeds:
        cells = [f"{100 * by_seed[seed][c]['accuracy']:.2f}" if c in by_seed[seed] else "—" for c in configs]
        out.append(f"| {seed} | " + " | ".join(cells) + " |")
    means = []
    for c in configs:
        values = [by_seed[s][c]["accuracy"] for s in seeds if c in by_seed[s]]
        means.append(f"{100 * statistics.mean(values):.2f} (n={len(values)})" if values else "—")
    out += ["| mean | " + " | ".join(means) + " |", ""]

    out += ["### Paired differences (points; first config minus second)", "",
            "b: reviews only the first config gets right; c: only the second. Per-seed 95% interval: normal "
            "approximation for paired proportions, var = (b + c - (b - c)^2 / n) / n^2. Mean over seeds: 95% "
            "interval with variance = mean of the per-seed variances / number of seeds (review-sampling noise "
            "given the trained models; the spread between seeds, shown as its SD, also reflects training noise).",
            "", "| pair | seed | n | b | c | difference | 95% interval |", "|---|---|---|---|---|---|---|"]
    for first, second in PAIRS:
        rows = [(seed, paired(by_seed[seed][first], by_seed[seed][second])) for seed in seeds
                if first in by_seed[seed] and second in by_seed[seed]]
        if not rows:
            out.append(f"| {first} vs {second} | — | | | | no paired runs yet | |")
            continue
        for seed, p in rows:
            out.append(f"| {first} vs {second} | {seed} | {p['n']} | {p['b']} | {p['c']} | {points(p['diff'])} | "
                       f"{interval(p['diff'], p['var'])} |")
        k = len(rows)
        mean = statistics.mean(p["diff"] for _, p in rows)
        var = statistics.mean(p["var"] for _, p in rows) / k
        sd = f"; seed SD {100 * statistics.stdev([p['diff'] for _, p in rows]):.2f}" if k > 1 else ""
        out.append(f"| **{first} vs {second}** | **mean of {k}**{sd} | | {sum(p['b'] for _, p in rows)} | "
                   f"{sum(p['c'] for _, p in rows)} | **{points(mean)}** | **{interval(mean, var)}** |")
    out.append("")

    out += ["### Timing (median seconds over seeds; NOT clean speed figures, see the note above)", "",
            "| config | runs | train | eval (fine_tune scoring the validation reviews) | tokenize | wall (fine_tune) |",
            "|---|---|---|---|---|---|"]
    for c in configs:
        records = [by_seed[s][c] for s in seeds if c in by_seed[s]]
        med = {k: statistics.median(r["timing"][k] for r in records)
               for k in ("train_seconds", "eval_seconds", "tokenize_seconds", "wall_seconds")}
        out.append(f"| {c} | {len(records)} | {med['train_seconds']:.0f} | {med['eval_seconds']:.0f} | "
                   f"{med['tokenize_seconds']:.1f} | {med['wall_seconds']:.0f} |")
    out.append("")
    return out


def render(runs: dict) -> str:
    records = [r for by_seed in runs.values() for by_config in by_seed.values() for r in by_config.values()]
    commits = sorted({str(r["git"].get("commit")) for r in records})
    precisions = sorted({r["precision"] for r in records})
    modified = any(r["git"].get("benchmark_modified") for r in records)
    apart = [r for r in records if r["accuracy_reviews_apart"] > 1]
    any_ = records[0]
    out = [
        "# Candidate `run` defaults: paired validation accuracy (bucketing, head_tail truncation)", "",
        "Generated by `analyse.py` from `raw/*.json` (written by `defaults_accuracy.py`; see its docstring).", "",
        f"- Model: {any_['model']} (all-MiniLM-L6-v2, pretrained); {any_['n_train']} training reviews, "
        f"{any_['n_validation']} validation reviews per seed, both from IMDb's train split (test split unused); "
        f"1 epoch, batch 32, learning rate 1e-4; precision {', '.join(precisions)}.",
        "- Configs: A = bucketing off, head truncation (today's defaults); B = bucketing on, head; "
        "C = bucketing on, head_tail.",
        f"- Runs: {len(records)}; worktree commit(s) {', '.join(commits)}"
        + (" (benchmark/ had uncommitted changes)" if modified else "") + ".",
        "- Per-review predictions (re-scored in the on_trained hook) reproduce fine_tune's reported accuracy "
        + ("in every run (within one review)." if not apart else
           f"EXCEPT in {len(apart)} runs: " + ", ".join(f"L{r['seq_length']} seed {r['seed']} {r['config']} "
                                                        f"({r['accuracy_reviews_apart']} reviews)" for r in apart)
           + "."),
        "- **Timing caveat:** the machine (2 CPU cores) was shared with other jobs while these ran, so the seconds "
        "below are indications only, not clean speed figures; speed is measured elsewhere.", "",
    ]
    for length in sorted(runs):
        out += length_section(length, runs[length])
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=HERE / "raw")
    parser.add_argument("--out", type=Path, default=None, help="default: results.md next to the raw folder")
    args = parser.parse_args(argv)
    runs = load(args.raw)
    if not runs:
        print(f"no run files in {args.raw}", file=sys.stderr)
        return 1
    out = args.out or args.raw.parent / "results.md"
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(render(runs))
    os.chmod(tmp, 0o644)
    os.replace(tmp, out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

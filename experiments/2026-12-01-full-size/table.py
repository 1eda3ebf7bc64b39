"""Markdown table of tools/phase_timer.py JSON files, one column each: python table.py LABEL=FILE.json ..."""

import json
import sys


def main(pairs: list[str]) -> None:
    labels, reports = zip(*((label, json.load(open(path))) for label, path in (p.split("=", 1) for p in pairs)))
    phases = list(dict.fromkeys(name for report in reports for name in report["phases_seconds"]))
    print("| seconds | " + " | ".join(labels) + " |")
    print("|---|" + "---:|" * len(labels))
    for name in phases:
        print(f"| {name} | " + " | ".join(f"{r['phases_seconds'].get(name, 0):.1f}" for r in reports) + " |")
    first = [r["first_training_step"] or {} for r in reports]
    print("| **process start to first training step** | "
          + " | ".join(f"{f.get('seconds_from_process_start', float('nan')):.1f}" for f in first) + " |")
    print("| **process start to end** | " + " | ".join(f"{r['seconds_from_process_start']:.1f}" for r in reports) + " |")
    print("| peak RSS at first step (MiB) | " + " | ".join(f"{f.get('peak_rss_mib', float('nan')):.0f}" for f in first) + " |")
    print("| peak RSS at end (MiB) | " + " | ".join(f"{r['peak_rss_mib']:.0f}" for r in reports) + " |")
    print("| exit | " + " | ".join(str(r["exit"]) for r in reports) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])

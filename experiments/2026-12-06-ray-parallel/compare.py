"""Compare two results folders of the same suite: configuration hashes and test accuracy per job."""

import json
import sys
from pathlib import Path


def runs(folder: str) -> dict[str, dict]:
    return {run["config_hash"]: run for run in (json.loads(p.read_text()) for p in Path(folder, "runs").glob("*.json"))}


local, ray = runs(sys.argv[1]), runs(sys.argv[2])
print(f"jobs: local {len(local)}, ray {len(ray)}; same configuration hashes: {sorted(local) == sorted(ray)}")
for identity in sorted(local):
    a, b = local[identity], ray.get(identity)
    there = f"{b['test']['accuracy']:.4f} loss {b['test']['loss']:.6f} on {b['placement']['node']}" if b else "missing"
    print(f"seed {a['hyperparameters']['seed']}: local accuracy {a['test']['accuracy']:.4f} loss "
          f"{a['test']['loss']:.6f}; ray {there}")

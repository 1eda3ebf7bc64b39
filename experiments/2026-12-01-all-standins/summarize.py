"""Rows done and failed of a suite's results folder, and each done row's precision and wall seconds:
python summarize.py RESULTS_DIR"""

import json
import sys
from pathlib import Path

results = Path(sys.argv[1])
done = [json.loads(p.read_text()) for p in sorted((results / "runs").glob("*.json"))]
failed = [json.loads(p.read_text()) for p in sorted((results / "failed").glob("*.json"))]
for run in done:
    print(f"done    {run['model']['key'] if isinstance(run.get('model'), dict) else run.get('model')}"
          f"  precision={run['hyperparameters'].get('precision')}  wall={run['timing']['wall_seconds']:.0f}s")
for row in failed:
    print(f"FAILED  {row.get('model') or row.get('key')}: {row.get('error')}")
print(f"{len(done)} done, {len(failed)} failed")

"""``notebooks/explore.ipynb`` runs top to bottom on the results of a tiny stand-in run, old and new run files."""

import json
import shutil
from pathlib import Path

import pytest

from conftest import TINY_MODEL

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "explore.ipynb"


def _shown_text(outputs: list) -> str:
    """The text the outputs show, as Jupyter shows it.

    Stream outputs are concatenated: the kernel flushes stdout at arbitrary points (``print("a:", b)``
    may arrive as several stream outputs), so a separator between them would split lines at random.
    Rich outputs (a DataFrame's text/plain) stand on their own lines.
    """
    parts = []
    for output in outputs:
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "text/plain" in output.get("data", {}):
            parts.append(f"\n{output['data']['text/plain']}\n")
    return "".join(parts)


@pytest.mark.slow
def test_notebook_executes_on_standin_results(tiny_export, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    results = tmp_path / "results"
    shutil.copytree(tiny_export.results, results)
    # The tiny run's file rewritten as schema version 1 wrote it: test loss and accuracy only.
    added_in_v2 = ("before_fine_tuning", "step_history", "resumed_from_epoch")
    old = {k: v for k, v in tiny_export.run.items() if k not in added_in_v2}
    old |= {"schema_version": 1, "test": {k: tiny_export.run["test"][k] for k in ("loss", "accuracy")}}
    (results / "runs" / f"{old['run_id']}.json").write_text(json.dumps(old))
    # A second run file as newer schemas write it, with the test confusion matrix [[tn, fp], [fn, tp]].
    run = dict(tiny_export.run, run_id=tiny_export.run["run_id"] + "-cm")
    run["test"] = dict(run["test"], confusion_matrix=[[20, 4], [3, 21]])
    (results / "runs" / f"{run['run_id']}.json").write_text(json.dumps(run))

    monkeypatch.setenv("TFHUB_BENCH_RESULTS", str(results))
    monkeypatch.setenv("TFHUB_BENCH_MODELS", str(tiny_export.models))
    monkeypatch.setenv("PYTHONPATH", str(NOTEBOOK.parent.parent))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend shows the figures
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # raises on any failing cell

    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    text = _shown_text(outputs)
    assert "2 run files in" in text
    assert "stand-in (random weights)" in text and TINY_MODEL in text
    old_run = f"{TINY_MODEL} [stand-in] {tiny_export.run['run_id'][-8:]}"
    assert f"no confusion matrix in these run files (older schema): {old_run}\n" in text
    figures = [output for output in outputs if "image/png" in output.get("data", {})]
    assert len(figures) == 2  # learning curves, confusion matrix
    assert f"run {tiny_export.run['run_id']}, weights: stand-in" in text and "STAND-IN export" in text
    labels = [line.split()[0] for line in text.splitlines() if line.endswith(("minute.", "two hours.", "was superb."))]
    assert labels == ["positive", "negative", "positive"], text[-3000:]

"""The package's layers (pyproject.toml, [tool.importlinter]) hold, a back-edge breaks them, and imports hidden in
functions only defer heavy libraries."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "benchmark"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LAYERS = "Layers: cli > suite > deploy | speed > training > encoders | data | leaderboard > records > core"
TENSORFLOW_FREE = "The leaderboard is TensorFlow-free"
# What an import inside a function may defer: TensorFlow and its ecosystem, PyTorch, Flask, and the libraries that
# only one path needs (scikit-learn for the baseline, matplotlib for plots, requests for the download check).
HEAVY = {"tensorflow", "tf_keras", "tensorflow_hub", "tensorflow_text", "tensorflow_datasets", "official", "absl",
         "torch", "transformers", "flask", "werkzeug", "markdown", "sklearn", "matplotlib", "requests", "pandas",
         "keras", "keras_hub", "kagglehub", "mlflow", "tensorboard", "ray"}

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed (the [test] extra)")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` run in ``root`` on the package there, with the contracts of ``root/pyproject.toml``."""
    return subprocess.run([str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root,
                          capture_output=True, text=True, timeout=300)


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package and its contracts in which ``module`` (a path inside the package) also has ``line``."""
    shutil.copytree(PACKAGE, tmp_path / "benchmark", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "benchmark" / module
    target.write_text(target.read_text() + f"\n{line}\n")
    return tmp_path


def test_the_package_keeps_its_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"{LAYERS} KEPT" in " ".join(result.stdout.split()) and "2 kept, 0 broken" in result.stdout


def test_a_back_edge_breaks_the_layers(tmp_path):
    result = lint_imports(copy_with(tmp_path, "core/paths.py", "from benchmark.cli.main import main  # back-edge"))
    out = " ".join(result.stdout.split())
    assert result.returncode == 1 and f"{LAYERS} BROKEN" in out, result.stdout[-3000:]
    assert "benchmark.core.paths -> benchmark.cli.main" in out


def test_tensorflow_in_the_leaderboard_breaks_its_contract(tmp_path):
    result = lint_imports(copy_with(tmp_path, "leaderboard/cells.py", "import tensorflow  # not here"))
    out = " ".join(result.stdout.split())
    assert result.returncode == 1 and f"{TENSORFLOW_FREE} BROKEN" in out, result.stdout[-3000:]


def _imports(path: Path) -> tuple[set[str], list[tuple[int, str]]]:
    """The modules ``path`` imports at module level, and (line, module) of each import inside a function."""
    tree = ast.parse(path.read_text())
    top, inner = set(), []

    def names(node: ast.AST) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        return [f"{node.module}.{alias.name}" for alias in node.names] + [node.module or ""]

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                if in_function:
                    inner.append((child.lineno, names(child)[-1 if isinstance(child, ast.ImportFrom) else 0]))
                else:
                    top.update(names(child))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(tree, False)
    return top, inner


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_imports_inside_functions_only_defer_heavy_libraries():
    """A module is heavy when it imports a heavy library at module level, or a heavy module of this package."""
    modules = {_module(path): _imports(path) for path in PACKAGE.rglob("*.py")}
    heavy = {name for name, (top, _) in modules.items() if {m.split(".")[0] for m in top} & HEAVY}
    grown = True
    while grown:
        before = len(heavy)
        heavy |= {name for name, (top, _) in modules.items() if top & heavy}
        grown = len(heavy) > before
    light = [f"{name}:{line} imports {target}" for name, (_, inner) in modules.items() for line, target in inner
             if target.split(".")[0] not in HEAVY and not any(target == h or target.startswith(h + ".") for h in heavy)]
    assert not light, "imports inside functions that defer nothing heavy:\n" + "\n".join(light)


def test_the_command_line_and_the_gpu_timer_load_without_tensorflow():
    """Parsing any command (and ``list``, ``report``) loads no TensorFlow, matplotlib or scikit-learn; the GPU timer
    runs where only PyTorch is installed."""
    blocked = ("tensorflow", "tf_keras", "tensorflow_hub", "tensorflow_text", "tensorflow_datasets", "official",
               "matplotlib", "sklearn")
    code = (
        "import importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {blocked!r}:\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import benchmark.cli.main, gpu_hf\n"
        "benchmark.cli.main.build_parser().parse_args(['run', '--all'])\n")
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tools")])}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]

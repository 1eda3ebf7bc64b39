"""Where a run's checkpoints live until its run file is written: under the results folder by default, or under
``--checkpoint-dir``, a folder every node of a cluster sees or a ``tf.io.gfile`` URL (``gs://bucket/checkpoints``),
so that a job retried on another node resumes from its last epoch.

A folder here is a string, not a ``Path``: ``Path`` would fold a URL's ``//``.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from benchmark.core.paths import CHECKPOINTS_FOLDER


def is_url(folder: str | Path) -> bool:
    """Whether ``folder`` is a URL that ``tf.io.gfile`` opens (``gs://``, ``s3://``, ``hdfs://``), not a local path."""
    return "://" in str(folder)


def join(folder: str, name: str) -> str:
    """``folder``/``name``, for a local folder or a URL."""
    return f"{folder.rstrip('/')}/{name}" if is_url(folder) else str(Path(folder) / name)


def read_text(file: str) -> str | None:
    """``file``'s text, or None where it does not exist (a URL through ``tf.io.gfile``, a local file through
    ``pathlib``)."""
    if not is_url(file):
        return Path(file).read_text(encoding="utf-8") if Path(file).is_file() else None
    import tensorflow as tf

    if not tf.io.gfile.exists(file):
        return None
    with tf.io.gfile.GFile(file) as handle:
        return handle.read()


def make_folder(folder: str) -> None:
    """Create ``folder`` and its parents where missing."""
    if not is_url(folder):
        Path(folder).mkdir(parents=True, exist_ok=True)
        return
    import tensorflow as tf

    tf.io.gfile.makedirs(folder)


def write_text(file: str, text: str) -> None:
    """Write ``text`` to ``file`` (in an existing folder)."""
    if not is_url(file):
        Path(file).write_text(text, encoding="utf-8")
        return
    import tensorflow as tf

    with tf.io.gfile.GFile(file, "w") as handle:
        handle.write(text)


def checkpoint_dir(output_dir: str | Path, config_hash: str, root: str | None = None) -> str:
    """The checkpoint folder of the run with ``config_hash``: ``root``/hash with a ``--checkpoint-dir``, else
    <results>/checkpoints/hash."""
    return join(root, config_hash) if root else str(Path(output_dir) / CHECKPOINTS_FOLDER / config_hash)


def remove_checkpoints(folder: str) -> None:
    """Delete a run's checkpoint folder, and the results folder's ``checkpoints/`` when no other run left one there
    (a ``--checkpoint-dir`` itself stays)."""
    if is_url(folder):
        import tensorflow as tf  # deferred: only a URL needs TensorFlow's file systems

        if tf.io.gfile.exists(folder):
            tf.io.gfile.rmtree(folder)
        return
    shutil.rmtree(folder, ignore_errors=True)
    parent = Path(folder).parent
    if parent.name == CHECKPOINTS_FOLDER:
        with contextlib.suppress(OSError):
            parent.rmdir()

"""Folder options checked before any work: a path that names a file, or a folder that cannot be written, is one
usage error naming the option, not a traceback halfway through a run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from benchmark.core.errors import UsageError


def nearest_existing(path: Path) -> Path:
    """``path`` itself if it exists, else its closest existing ancestor (the folder it would be created in)."""
    path = Path(path).expanduser().absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_writable_folder(option: str, folder: Path | str | None) -> None:
    """Raise a UsageError unless ``folder`` is a folder this process can write in, or can be created as one (a URL
    such as ``gs://bucket/path`` is not checked here: its storage answers when it is first written).

    Nothing is left behind: the test writes and removes one temporary file in ``folder`` or, when it does not exist
    yet, in the closest existing folder above it (where it would be created).
    """
    if folder is None or "://" in str(folder):
        return
    where = nearest_existing(Path(folder))
    if not where.is_dir():
        relation = "is" if where == Path(folder).expanduser().absolute() else f"is inside {where}, which is"
        raise UsageError(f"{option} {folder} {relation} a file, not a folder: give a folder (it is created if "
                         "missing)")
    try:
        with tempfile.TemporaryFile(dir=where):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(f"{option} {folder}: cannot write in {where} ({reason}); give a folder you can write to"
                         ) from None
    if not os.access(where, os.W_OK | os.X_OK):  # a created file can still be refused a sub-folder
        raise UsageError(f"{option} {folder}: cannot write in {where}; give a folder you can write to")


def check_writable_folders(*options: tuple[str, Path | str | None]) -> None:
    """:func:`check_writable_folder` for each ``(option, folder)`` pair, in order."""
    for option, folder in options:
        check_writable_folder(option, folder)

"""Whether a process on this machine still runs (for stale lock files and scratch folders named after a pid)."""

from __future__ import annotations

import os
from pathlib import Path


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs here. A zombie (dead, not yet reaped, as a lost Ray node's workers may stay
    where nothing reaps them) does not; a process of another user does."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (not Linux): the signal says it exists
    return state not in ("Z", "X")

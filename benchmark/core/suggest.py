"""The one "did you mean" helper: an unknown name and the closest known ones, as a UsageError."""

from __future__ import annotations

import difflib
from typing import Iterable

from benchmark.core.errors import UsageError

LIST_HINT = "see `python -m benchmark list`."


def close_matches(name: str, known: Iterable[str], count: int = 3) -> list[str]:
    """Up to ``count`` known names that look like ``name``, closest first."""
    return difflib.get_close_matches(name, list(known), n=count, cutoff=0.5)


def unknown_model(key: str, known: Iterable[str]) -> UsageError:
    """The error for a model key that is not registered: the closest keys, or where to find them."""
    close = close_matches(key, known)
    hint = f"did you mean {', '.join(close)}?" if close else LIST_HINT
    return UsageError(f"unknown model '{key}': {hint}")


def unknown_name(what: str, name: str, known: Iterable[str], hint: str) -> UsageError:
    """The error for an unknown ``what`` (e.g. ``dataset``): the closest known names, then ``hint``."""
    close = close_matches(name, known)
    suggestion = f"did you mean {', '.join(close)}? " if close else ""
    return UsageError(f"unknown {what} '{name}': {suggestion}{hint}")

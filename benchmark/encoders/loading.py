"""Loads an encoder or preprocessor SavedModel from where its handle is on this machine."""

from __future__ import annotations

import tensorflow_hub as hub
import tensorflow_text  # noqa: F401 - registers the ops that TF-Hub preprocessors use

from benchmark.core.errors import UsageError
from benchmark.encoders.hub_cache import damaged, locate


def load_handle(handle: str, what: str):
    """``hub.load`` of ``handle`` as located on this machine (:func:`benchmark.encoders.hub_cache.locate`: the
    cache, the mirror, offline mode), with a one-line explanation when it cannot be reached or read."""
    located = locate(handle, what)
    try:
        return hub.load(str(located.folder))
    except Exception as error:  # noqa: BLE001 - path and format errors all end here
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        if located.in_cache:
            raise damaged(what, located.folder, reason, handle) from None
        raise UsageError(f"cannot load {what} {handle}: {reason}") from None

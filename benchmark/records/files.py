"""Reading a folder of JSON records (run files, failures, learning-rate selections): every readable one, and a
message for each one that could not be read, so that one damaged file never hides the others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, TypeVar

Record = TypeVar("Record")


def read_records(folder: Path, parse: Callable[[Any], Record], errors: tuple[type[Exception], ...],
                 shown_as: str = "") -> tuple[list[Record], list[str]]:
    """``parse`` of each ``*.json`` file in ``folder`` (in file-name order), and ``skipped <shown_as><name>:
    <error>`` for each file whose reading or parsing raised one of ``errors``."""
    records: list[Record] = []
    problems: list[str] = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            records.append(parse(json.loads(path.read_text(encoding="utf-8"))))
        except errors as error:
            problems.append(f"skipped {shown_as}{path.name}: {error}")
    return records, problems

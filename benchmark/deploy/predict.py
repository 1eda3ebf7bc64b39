"""Classes of new texts with an exported classifier: checked input, one model load, batched calls."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path
from typing import Sequence

from benchmark.core.errors import UsageError
from benchmark.core.paths import DEFAULT_MODELS
from benchmark.deploy.export import Export, resolve_model, signature_of
from benchmark.deploy.model_card import SIGNATURE_INPUT

MAX_REVIEW_CHARS = 20_000  # the longest IMDb review has about 13,700 characters
BATCH_SIZE = 64
CSV_COLUMN = "text"


@dataclasses.dataclass(frozen=True)
class Prediction:
    """One text's class: ``label`` (the most probable class's name), the ``probability`` of that label, every
    class's probability by name, and for two classes the probability of the second (``positive_probability``, as
    predictions always had; None with more classes)."""

    text: str
    label: str
    probability: float
    positive_probability: float | None
    probabilities: dict[str, float] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        fields = dataclasses.asdict(self)
        if self.positive_probability is None:
            del fields["positive_probability"]
        return fields


def check_review(text: str, where: str = "the review") -> str:
    """``text`` if a classifier can read it, else a UsageError naming ``where`` and what to change."""
    if not isinstance(text, str):
        raise UsageError(f"{where} is not text")
    if not text.strip():
        raise UsageError(f"{where} is empty: give the text of a review")
    if len(text) > MAX_REVIEW_CHARS:
        raise UsageError(f"{where} has {len(text):,} characters, more than the {MAX_REVIEW_CHARS:,} allowed "
                         "(the model reads only its first few hundred tokens anyway): shorten it")
    return text


def read_reviews(path: Path, text_column: str = CSV_COLUMN) -> list[str]:
    """Texts from a UTF-8 file: a ``.csv`` with a ``text_column`` column, else one text per non-blank line."""
    path = Path(path).expanduser()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read --input {path}: {error.strerror or error}") from None
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(f"--input {path} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
                         f"{error.start}): save it as UTF-8") from None
    if path.suffix.lower() == ".csv":
        reviews = _csv_reviews(content, path, text_column)
    else:
        reviews = [check_review(line, f"line {number} of {path}")
                   for number, line in enumerate(content.splitlines(), 1) if line.strip()]
    if not reviews:
        raise UsageError(f"--input {path} has no reviews")
    return reviews


def _csv_reviews(content: str, path: Path, column: str) -> list[str]:
    try:
        reader = csv.DictReader(io.StringIO(content, newline=""))
        columns = reader.fieldnames or []
        if column not in columns:
            raise UsageError(f"--input {path} has no '{column}' column (columns: {', '.join(columns) or 'none'}): "
                             "pass --text-column NAME")
        return [check_review(row[column] or "", f"row {number} of {path}") for number, row in enumerate(reader, 2)]
    except csv.Error as error:
        raise UsageError(f"--input {path} is not valid CSV: {error}") from None


class Predictor:
    """An export loaded once; :meth:`predict` classifies any number of reviews in batches."""

    def __init__(self, export: Export):
        import tensorflow as tf
        import tensorflow_text  # noqa: F401 - registers the tokenizer ops the export uses

        self.export = export
        self.card = export.card
        try:
            self._signature = signature_of(tf.saved_model.load(str(export.path)))
        except Exception as error:  # noqa: BLE001 - a damaged SavedModel can fail in many ways
            reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
            raise UsageError(f"cannot load the export {export.path}: {reason}") from None
        self._tf = tf

    def class_probabilities(self, texts: Sequence[str]) -> list[list[float]]:
        """Each class's probability for each of ``texts`` (classes in the card's order), in batches of
        :data:`BATCH_SIZE`; exports from before per-class outputs give P(positive) only, from which both follow."""
        tf = self._tf
        rows: list[list[float]] = []
        for start in range(0, len(texts), BATCH_SIZE):
            batch = tf.constant(list(texts[start:start + BATCH_SIZE]), dtype=tf.string)
            outputs = self._signature(**{SIGNATURE_INPUT: batch})
            if "probabilities" in outputs:
                rows.extend([float(p) for p in row] for row in outputs["probabilities"].numpy())
            else:
                rows.extend([1.0 - float(p), float(p)] for p in outputs["probability"].numpy())
        return rows

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        """Two classes: the probability of the second (``positive`` for IMDb) for each of ``texts``."""
        return [row[-1] for row in self.class_probabilities(texts)]

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Check every text, then classify them all; a bad text fails the whole call, naming it."""
        texts = [check_review(text, f"review {number}") for number, text in enumerate(texts, 1)]
        if not texts:
            raise UsageError("no reviews given: pass review texts or --input FILE")
        names = self.card.label_names
        return [_prediction(text, names, row) for text, row in zip(texts, self.class_probabilities(texts))]


def _prediction(text: str, names: Sequence[str], probabilities: Sequence[float]) -> Prediction:
    """The most probable class (for two classes: the second when its probability is at least one half)."""
    best = (1 if probabilities[1] >= 0.5 else 0) if len(names) == 2 else max(range(len(names)),
                                                                             key=probabilities.__getitem__)
    positive = probabilities[1] if len(names) == 2 else None
    return Prediction(text, names[best], probabilities[best], positive, dict(zip(names, probabilities)))


def load_predictor(path_or_key: str | Path, models_dir: Path = DEFAULT_MODELS) -> Predictor:
    """The export at ``path_or_key`` (a folder, or a registry key meaning its newest export), loaded."""
    return Predictor(resolve_model(str(path_or_key), models_dir))

"""Exports a fine-tuned classifier as a SavedModel from raw text to class probabilities and the predicted label
name, and finds exports."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from benchmark.core.atomic import atomic_directory
from benchmark.core.errors import UsageError
from benchmark.deploy.model_card import CARD_JSON, CARD_MARKDOWN, EXPORT_FORMAT, SIGNATURE, SIGNATURE_INPUT, ModelCard

SAVED_MODEL_FILE = "saved_model.pb"


def export_dir_for(models_dir: Path, key: str, run_id: str) -> Path:
    """``<models_dir>/<key>-<run id>``, without repeating the key when the run id already starts with it."""
    name = run_id if run_id.startswith(f"{key}-") else f"{key}-{run_id}"
    return Path(models_dir) / name


def export_classifier(model, preprocessor_handle: str, seq_length: int, out_dir: Path, card: ModelCard) -> Path:
    """Write ``model`` with its preprocessor as one SavedModel taking strings, plus the model card; atomic.

    Args:
      model: A Keras classifier from token ids (``input_word_ids``, ``input_mask``, ``input_type_ids``)
        to its logits (one for two classes, else one per class), as
        :func:`benchmark.training.classifier.build_classifier` builds it.
      preprocessor_handle: The TF-Hub preprocessor the model was trained with (handle or local path).
      seq_length: Tokens per review the model was built for.
      out_dir: Folder to create (replaced if it exists); nothing appears there unless the export succeeds.
      card: What ``model_card.json`` and ``model_card.md`` say about the model.

    Returns:
      ``out_dir``. Its ``serving_default`` signature maps ``text: string[batch]`` to ``label`` (string[batch],
      the most probable of ``card.label_names``) and ``probabilities`` (float32[batch, classes]); for two classes
      also ``probability`` and ``logit`` (float32[batch], of the second class, as exports always had), else
      ``logits``. Loading it needs only TensorFlow and tensorflow-text.
    """
    import tensorflow as tf
    import tf_keras

    from benchmark.encoders.loading import load_handle  # deferred: imports TensorFlow Hub

    preprocessor = load_handle(preprocessor_handle, "preprocessor")
    module = tf.Module(name="sentiment_classifier")
    module.preprocessor = preprocessor
    # The same layers and weights without the training model's optimizer: its slots would triple the export's
    # size, and reloading them needs Keras.
    module.classifier = tf_keras.Model(model.inputs, model.outputs, name="classifier")

    names = list(card.label_names)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=SIGNATURE_INPUT)])
    def serve(text: tf.Tensor) -> dict[str, tf.Tensor]:
        tokens = module.preprocessor.tokenize(text)
        packed = module.preprocessor.bert_pack_inputs([tokens], seq_length=tf.constant(seq_length))
        logits = tf.cast(module.classifier(packed, training=False), tf.float32)
        if card.binary:  # one logit, of the second class
            logit = tf.squeeze(logits, axis=-1)
            probability = tf.sigmoid(logit)
            label = tf.gather(tf.constant(names), tf.cast(probability >= 0.5, tf.int32))
            return {"probability": probability, "logit": logit, "label": label,
                    "probabilities": tf.stack([1.0 - probability, probability], axis=-1)}
        probabilities = tf.nn.softmax(logits, axis=-1)
        return {"probabilities": probabilities, "logits": logits,
                "label": tf.gather(tf.constant(names), tf.argmax(probabilities, axis=-1))}

    module.serve = serve
    out_dir = Path(out_dir)
    with atomic_directory(out_dir) as tmp:
        tf.saved_model.save(module, str(tmp), signatures={SIGNATURE: serve})
        (tmp / CARD_JSON).write_text(card.to_json(), encoding="utf-8")
        (tmp / CARD_MARKDOWN).write_text(card.to_markdown(), encoding="utf-8")
    return out_dir


@dataclasses.dataclass(frozen=True)
class Export:
    """An export folder and its model card."""

    path: Path
    card: ModelCard


def read_export(path: Path) -> Export:
    """The export at ``path``, or a UsageError saying why ``path`` is not one."""
    path = Path(path).expanduser()
    hint = "give a folder written by `python -m benchmark run --save-model` or a model key"
    if not path.exists():
        raise UsageError(f"model {path} does not exist: {hint}")
    if not path.is_dir() or not (path / SAVED_MODEL_FILE).is_file() or not (path / CARD_JSON).is_file():
        raise UsageError(f"{path} is not a tfhub-bench export (needs {SAVED_MODEL_FILE} and {CARD_JSON}): {hint}")
    try:
        raw = json.loads((path / CARD_JSON).read_text(encoding="utf-8"))
        if raw.get("format") != EXPORT_FORMAT:
            raise ValueError(f"format is {raw.get('format')!r}, not {EXPORT_FORMAT!r}")
        card = ModelCard.from_dict(raw)
    except (OSError, ValueError, AttributeError, TypeError) as error:
        raise UsageError(f"{path / CARD_JSON} is not a readable model card ({error}): {hint}") from None
    return Export(path, card)


def find_exports(models_dir: Path) -> list[Export]:
    """Every readable export directly under ``models_dir``, oldest run first."""
    exports = []
    root = Path(models_dir)
    if not root.is_dir():
        return []
    for card_file in root.glob(f"*/{CARD_JSON}"):
        if card_file.parent.name.startswith("."):
            continue  # an export still being written
        try:
            exports.append(read_export(card_file.parent))
        except UsageError:
            continue
    return sorted(exports, key=lambda export: (export.card.created, export.card.run_id))


def resolve_model(path_or_key: str, models_dir: Path) -> Export:
    """An export folder as given, or the newest export of the registry key ``path_or_key`` under ``models_dir``."""
    candidate = Path(path_or_key).expanduser()
    if candidate.exists() or "/" in path_or_key or path_or_key.startswith("."):
        return read_export(candidate)
    matches = [export for export in find_exports(models_dir) if export.card.key == path_or_key]
    if not matches:
        raise UsageError(f"no export of '{path_or_key}' under {models_dir}/ and no such folder: run "
                         f"`python -m benchmark run --model {path_or_key} --save-model` first, "
                         "or give an export folder")
    return matches[-1]


def signature_of(loaded):
    """The serving signature of a loaded export (kept here so callers do not repeat its name)."""
    return loaded.signatures[SIGNATURE]

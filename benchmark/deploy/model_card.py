"""Model cards of exported classifiers: what was trained, on what, how well, and with which weights."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from benchmark.records.labels import WEIGHTS_STANDIN
from benchmark.records.run import RunResult, round_floats

CARD_JSON = "model_card.json"
CARD_MARKDOWN = "model_card.md"
EXPORT_FORMAT = "tfhub-bench-classifier"
EXPORT_FORMAT_VERSION = 2  # 2: label names, per-class probabilities and the predicted label in the signature
SIGNATURE = "serving_default"
SIGNATURE_INPUT = "text"
LABELS = ("negative", "positive")  # what exports from before version 2 (IMDb only) predict
STANDIN_WARNING = ("STAND-IN: this model's encoder started from RANDOM weights (built locally with the published "
                   "architecture), not pretrained ones. Its predictions and accuracy say nothing about the real model.")


@dataclasses.dataclass(frozen=True)
class ModelCard:
    """What an export's ``model_card.json`` records (``to_dict``) and ``model_card.md`` shows (``to_markdown``).

    Args:
      key: Registry key of the encoder.
      name: Human-readable encoder name.
      run_id: The run that trained the exported weights (its run file has the full record).
      created: UTC time the run started.
      weights: ``pretrained`` or ``stand-in`` (random-weight encoder).
      command: The command that trained it.
      encoder_handle: Where the encoder was loaded from.
      preprocessor_handle: Where the tokenizer was loaded from (it is inside the export).
      seq_length: Tokens per review the export reads; longer reviews are truncated.
      hyperparameters: Every training setting of the run.
      data: Source and sizes of the train, validation and test sets.
      validation: The tested epoch's validation loss and accuracy (empty without a validation set).
      test: Test-set metrics of the run.
      selection: Why this model was exported (``--save-model``, or best of a suite and by what).
      suite_id: The ``run`` invocation that exported it (best-of-suite exports replace each other within one).
      label_names: The classes, in label-id order (cards from before version 2: IMDb's ``negative``, ``positive``).
      dataset: What the run's dataset was (its ``dataset`` record; ``None`` in cards from before version 2: IMDb).
    """

    key: str
    name: str
    run_id: str
    created: str
    weights: str
    command: str
    encoder_handle: str
    preprocessor_handle: str
    seq_length: int
    hyperparameters: dict[str, Any]
    data: dict[str, Any]
    validation: dict[str, float]
    test: dict[str, Any]
    selection: str
    suite_id: str
    label_names: tuple[str, ...] = LABELS
    dataset: dict[str, Any] | None = None

    @classmethod
    def from_run(cls, result: RunResult, selection: str, suite_id: str) -> "ModelCard":
        return cls(key=result.key, name=result.model["name"], run_id=result.run_id, created=result.created,
                   weights=result.weights, command=result.command, encoder_handle=result.encoder_handle,
                   preprocessor_handle=result.preprocessor_handle,
                   seq_length=int(result.hyperparameters["seq_length"]), hyperparameters=result.hyperparameters,
                   data=result.data, validation=tested_validation(result), test=result.test,
                   selection=selection, suite_id=suite_id, label_names=tuple(result.label_names),
                   dataset=result.dataset_info)

    @property
    def is_standin(self) -> bool:
        return self.weights == WEIGHTS_STANDIN

    @property
    def binary(self) -> bool:
        """Two classes: one logit, read through a sigmoid as the probability of the second class."""
        return len(self.label_names) == 2

    @property
    def dataset_name(self) -> str:
        return (self.dataset or {}).get("name", "IMDb movie reviews")

    def signature_outputs(self) -> dict[str, str]:
        """What the serving signature returns, by output name."""
        names = ", ".join(self.label_names)
        outputs = {"label": f"string[batch], the most probable class ({names})",
                   "probabilities": f"float32[batch, {len(self.label_names)}], each class's probability ({names})"}
        if self.binary:
            return {"probability": f"float32[batch], P({self.label_names[1]})",
                    "logit": f"float32[batch], the {self.label_names[1]}-class logit"} | outputs
        return outputs | {"logits": f"float32[batch, {len(self.label_names)}], the class logits"}

    def to_dict(self) -> dict[str, Any]:
        """The JSON card: the fields above, the export format and how to call it."""
        return {
            "format": EXPORT_FORMAT,
            "format_version": EXPORT_FORMAT_VERSION,
            **dataclasses.asdict(self),
            "warning": STANDIN_WARNING if self.is_standin else None,
            "signature": {"name": SIGNATURE, "input": f"{SIGNATURE_INPUT}: string[batch] (raw text)",
                          "outputs": self.signature_outputs()},
            "labels": list(self.label_names),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "ModelCard":
        names = {field.name for field in dataclasses.fields(cls)}
        missing = names - raw.keys() - {"label_names", "dataset"}  # cards from before version 2 lack these
        if missing:
            raise ValueError(f"model card lacks {', '.join(sorted(missing))}")
        card = cls(**{name: raw[name] for name in names if name in raw})
        return dataclasses.replace(card, label_names=tuple(card.label_names))

    def to_json(self) -> str:
        return json.dumps(round_floats(self.to_dict()), indent=2) + "\n"  # rounded as the run file is

    def to_markdown(self) -> str:
        """The human-readable card; a stand-in export says so first, in bold."""
        weights = "stand-in (RANDOM weights)" if self.is_standin else self.weights
        imdb = self.dataset is None or self.dataset.get("key") == "imdb"
        on = "IMDb sentiment" if imdb else self.dataset_name
        lines = [f"# Model card: {self.name} (`{self.key}`) fine-tuned on {on}", ""]
        if self.is_standin:
            lines += [f"> **{STANDIN_WARNING}**", ""]
        names = self.label_names
        what = ("A binary sentiment classifier for English movie reviews: raw text in, P(positive) out." if imdb else
                f"A {len(names)}-class text classifier trained on {self.dataset_name}: raw text in, the "
                f"probability of each class ({', '.join(names)}) out.")
        rule = (f"the label is {names[1]} when P({names[1]}) >= 0.5" if self.binary
                else "the label is the most probable class")
        lines += [
            f"{what} The tokenizer (TF-Hub preprocessor) is inside the SavedModel.", "",
            "## Use", "",
            "```python",
            "import tensorflow as tf, tensorflow_text  # tensorflow_text registers the tokenizer ops",
            "model = tf.saved_model.load(EXPORT_FOLDER)",
            f'serve = model.signatures["{SIGNATURE}"]',
            f'outputs = serve({SIGNATURE_INPUT}=tf.constant(["A wonderful film."]))  # "label", "probabilities"'
            + (', "probability"' if self.binary else ""),
            "```", "",
            "or `python -m benchmark predict --model EXPORT_FOLDER \"A wonderful film.\"`.", "",
            "## Facts", "",
            f"- Weights: **{weights}**",
            f"- Run: `{self.run_id}` ({self.created}), trained by `{self.command}`",
            f"- Exported because: {self.selection}",
            f"- Encoder: `{self.encoder_handle}`",
            f"- Preprocessor: `{self.preprocessor_handle}`; texts are truncated to {self.seq_length} tokens",
            f"- Labels: {', '.join(f'{i} = {name}' for i, name in enumerate(names))}; {rule}",
            "", "## Data", "",
        ]
        lines += [f"- {name}: {value}" for name, value in self.data.items()]
        lines += ["", "## Validation (last epoch)", ""]
        lines += [f"- {name}: {_format(value)}" for name, value in self.validation.items()] or ["- none"]
        lines += ["", "## Test metrics", ""]
        lines += [f"- {name}: {_format(value)}" for name, value in self.test.items()]
        lines += ["", "## Hyperparameters", ""]
        lines += [f"- {name}: {_format(value)}" for name, value in self.hyperparameters.items()]
        return "\n".join(lines) + "\n"


def tested_validation(result: RunResult) -> dict[str, float]:
    """The validation loss and accuracy of the weights a run tested and exported (the restored best epoch's, else
    the last epoch's), or ``{}`` when it had no validation set."""
    tested = (result.best_epoch or {}).get("tested_epoch")
    rows = [row for row in result.history if row.get("epoch") == tested] or result.history[-1:]
    last = rows[-1] if rows else {}
    return {name: float(last[name]) for name in ("validation_loss", "validation_accuracy") if name in last}


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return f"`{json.dumps(value)}`"
    return str(value)

"""One registered encoder: the frozen record of its handles, shape, family and fine-tuning defaults."""

from __future__ import annotations

import dataclasses
from typing import Literal

from benchmark.encoders.families import family

FamilyName = Literal["bert", "albert", "talking_heads", "distilbert", "electra", "roberta", "deberta_v3"]

# The TF-Hub text encoder API: what an encoder (and a classifier on it) takes, as a preprocessor packs it.
ENCODER_INPUTS = ("input_word_ids", "input_mask", "input_type_ids")
# The default fine-tuning learning rate: the TF "Classify text with BERT" tutorial's.
BASE_LEARNING_RATE = 3e-5
KERAS_HUB_SCHEME = "kaggle://"  # a KerasHub preset's handle (benchmark.encoders.keras_hub_presets)
SOURCES = ("tfhub", "keras_hub", "imported")  # where an encoder comes from, as ``list`` and run files say
BERT_CITATION = "Devlin et al. 2019, BERT: Pre-training of Deep Bidirectional Transformers (arXiv:1810.04805)"


@dataclasses.dataclass(frozen=True)
class EncoderSpec:
    """One registered encoder and everything needed to load, rebuild and describe it.

    Args:
      key: Command-line name, e.g. ``small_bert_l4_h512``.
      name: Human-readable name.
      encoder_handle: TF-Hub handle (URL) or local SavedModel path of the encoder.
      preprocessor_handle: TF-Hub handle or local path of the matching preprocessor.
      num_layers: Transformer layers (L).
      hidden_size: Hidden width (H).
      num_heads: Attention heads (A).
      intermediate_size: Feed-forward width.
      vocab_size: Vocabulary size of the published checkpoint.
      embedding_size: Embedding width when factorised (ALBERT, ELECTRA small), else ``None``.
      family: Architecture family used to rebuild a stand-in (:mod:`benchmark.encoders.families`).
      lower_case: Whether the preprocessor lower-cases text.
      learning_rate: Default fine-tuning learning rate.
      citation: Where the encoder comes from.
      max_positions: Position embeddings (longest input).
      type_vocab_size: Segment (token type) embeddings.
      activation: Feed-forward activation as tf-models-official names it (``gelu`` is its tanh
        approximation; imported checkpoints may use the exact ``benchmark>exact_gelu``).
      imported_dir: Folder of an encoder imported with ``import-hf`` (local weights), else ``None``.
    """

    key: str
    name: str
    encoder_handle: str
    preprocessor_handle: str
    num_layers: int
    hidden_size: int
    num_heads: int
    intermediate_size: int
    vocab_size: int = 30522
    embedding_size: int | None = None
    family: FamilyName = "bert"
    lower_case: bool = True
    learning_rate: float = BASE_LEARNING_RATE
    citation: str = BERT_CITATION
    max_positions: int = 512
    type_vocab_size: int = 2
    activation: str = "gelu"
    imported_dir: str | None = None

    @property
    def architecture(self) -> str:
        """Short L/H/A description, e.g. ``L-4 H-512 A-8``."""
        return f"L-{self.num_layers} H-{self.hidden_size} A-{self.num_heads}"

    @property
    def source(self) -> str:
        """Where the encoder comes from: ``tfhub``, ``keras_hub`` (a KerasHub preset) or ``imported``."""
        if self.encoder_handle.startswith(KERAS_HUB_SCHEME):
            return "keras_hub"
        return "imported" if self.imported_dir else "tfhub"

    @property
    def head_reads(self) -> str:
        """What the shared head reads: ``pooled_output`` where the family has a (trained) pooler, else the final
        ``[CLS]`` state, the first token of ``sequence_output`` (which the encoder passes on as ``pooled_output``)."""
        return "pooled_output" if family(self.family).pooler else "sequence_output[:, 0]"

    @property
    def parameter_count(self) -> int:
        """Encoder parameters (pooler included) at the published vocabulary size."""
        return encoder_parameter_count(self, self.vocab_size)


def encoder_parameter_count(spec: EncoderSpec, vocab_size: int) -> int:
    """Parameters of a tf-models-official encoder of ``spec``'s shape with ``vocab_size`` tokens."""
    return family(spec.family).parameter_count(spec, vocab_size)

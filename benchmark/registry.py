"""Registry of TF-Hub text encoders, each paired with its matching preprocessor."""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import json
import logging
from pathlib import Path
from typing import Literal

from benchmark.core.errors import UsageError

log = logging.getLogger(__name__)

Family = Literal["bert", "albert", "talking_heads", "distilbert"]
# Families whose natively rebuilt encoder can run its last layer for the [CLS] position alone (tf-models-official's
# ``output_range=1``): a classifier on ``pooled_output`` gets the same result from a fraction of that layer's work.
CLS_ONLY_FAMILIES: tuple[Family, ...] = ("bert", "distilbert")

# Encoders imported from Hugging Face checkpoints live in <models dir>/imported/<key>/ with these parts.
IMPORTED_FOLDER = "imported"
SPEC_FILE = "encoder_spec.json"
IMPORTED_VOCAB = "vocab.txt"
_LOCATED_FIELDS = ("encoder_handle", "preprocessor_handle", "imported_dir")

BERT_UNCASED_PREPROCESS = "https://tfhub.dev/tensorflow/bert_en_uncased_preprocess/3"
BERT_CASED_PREPROCESS = "https://tfhub.dev/tensorflow/bert_en_cased_preprocess/3"
BERT_MULTI_CASED_PREPROCESS = "https://tfhub.dev/tensorflow/bert_multi_cased_preprocess/3"
ALBERT_PREPROCESS = "https://tfhub.dev/tensorflow/albert_en_preprocess/3"

BERT_CITATION = "Devlin et al. 2019, BERT: Pre-training of Deep Bidirectional Transformers (arXiv:1810.04805)"
SMALL_BERT_CITATION = "Turc et al. 2019, Well-Read Students Learn Better (arXiv:1908.08962)"
ALBERT_CITATION = "Lan et al. 2020, ALBERT: A Lite BERT (arXiv:1909.11942)"
ELECTRA_CITATION = "Clark et al. 2020, ELECTRA: Pre-training Text Encoders as Discriminators (arXiv:2003.10555)"
TALKING_HEADS_CITATION = (
    "Shazeer et al. 2020, Talking-Heads Attention (arXiv:2003.02436); "
    "Shazeer 2020, GLU Variants Improve Transformer (arXiv:2002.05202)"
)
EXPERTS_CITATION = "Google, BERT Experts on TF Hub (tfhub.dev/google/collections/experts/bert/1)"

# Fine-tuning learning rates: the TF "Classify text with BERT" tutorial uses 3e-5;
# Turc et al. found the smallest Small BERTs prefer larger rates (grid up to 1e-4).
BASE_LEARNING_RATE = 3e-5
SMALL_LEARNING_RATE = 1e-4


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
      family: Architecture family used to rebuild a stand-in.
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
    family: Family = "bert"
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
    def parameter_count(self) -> int:
        """Encoder parameters (pooler included) at the published vocabulary size."""
        return encoder_parameter_count(self, self.vocab_size)


def encoder_parameter_count(spec: EncoderSpec, vocab_size: int) -> int:
    """Parameters of a tf-models-official encoder of ``spec``'s shape with ``vocab_size`` tokens."""
    h, i, a = spec.hidden_size, spec.intermediate_size, spec.num_heads
    e = spec.embedding_size or h
    embeddings = (vocab_size + spec.max_positions + spec.type_vocab_size) * e + 2 * e
    projection = e * h + h if e != h else 0
    attention = 4 * (h * h + h)
    if spec.family == "talking_heads":
        attention += 2 * a * a  # pre- and post-softmax head-mixing projections
        feed_forward = 2 * (h * i + i) + i * h + h  # gated GELU: two input projections
    else:
        feed_forward = h * i + i + i * h + h
    layer = attention + feed_forward + 2 * (2 * h)  # two layer norms
    layers = layer if spec.family == "albert" else layer * spec.num_layers
    pooler = 0 if spec.family == "distilbert" else h * h + h  # DistilBERT pools the [CLS] state itself
    return embeddings + projection + layers + pooler


def _small_bert(layers: int, hidden: int) -> EncoderSpec:
    heads = hidden // 64
    return EncoderSpec(
        key=f"small_bert_l{layers}_h{hidden}",
        name=f"Small BERT L-{layers} H-{hidden} A-{heads}",
        encoder_handle=(
            "https://tfhub.dev/tensorflow/small_bert/"
            f"bert_en_uncased_L-{layers}_H-{hidden}_A-{heads}/1"
        ),
        preprocessor_handle=BERT_UNCASED_PREPROCESS,
        num_layers=layers,
        hidden_size=hidden,
        num_heads=heads,
        intermediate_size=4 * hidden,
        learning_rate=SMALL_LEARNING_RATE if hidden <= 256 else 5e-5,
        citation=SMALL_BERT_CITATION,
    )


def _base(key: str, name: str, handle: str, preprocessor: str, **overrides) -> EncoderSpec:
    shape = dict(num_layers=12, hidden_size=768, num_heads=12, intermediate_size=3072)
    shape.update(overrides)
    return EncoderSpec(key=key, name=name, encoder_handle=handle,
                       preprocessor_handle=preprocessor, **shape)


_ENTRIES: tuple[EncoderSpec, ...] = (
    _base("bert_base_uncased", "BERT base uncased",
          "https://tfhub.dev/tensorflow/bert_en_uncased_L-12_H-768_A-12/3",
          BERT_UNCASED_PREPROCESS),
    _base("bert_base_cased", "BERT base cased",
          "https://tfhub.dev/tensorflow/bert_en_cased_L-12_H-768_A-12/3",
          BERT_CASED_PREPROCESS, vocab_size=28996, lower_case=False),
    _base("bert_multi_cased", "BERT multilingual cased",
          "https://tfhub.dev/tensorflow/bert_multi_cased_L-12_H-768_A-12/3",
          BERT_MULTI_CASED_PREPROCESS, vocab_size=119547, lower_case=False),
    *(_small_bert(layers, hidden)
      for layers in (2, 4, 6, 8, 10, 12) for hidden in (128, 256, 512, 768)),
    _base("albert_base", "ALBERT base",
          "https://tfhub.dev/tensorflow/albert_en_base/2", ALBERT_PREPROCESS,
          family="albert", vocab_size=30000, embedding_size=128, citation=ALBERT_CITATION),
    _base("electra_small", "ELECTRA small",
          "https://tfhub.dev/google/electra_small/2", BERT_UNCASED_PREPROCESS,
          hidden_size=256, num_heads=4, intermediate_size=1024, embedding_size=128,
          learning_rate=SMALL_LEARNING_RATE, citation=ELECTRA_CITATION),
    _base("electra_base", "ELECTRA base",
          "https://tfhub.dev/google/electra_base/2", BERT_UNCASED_PREPROCESS,
          citation=ELECTRA_CITATION),
    _base("talking_heads_base", "Talking-Heads GGeLU BERT base",
          "https://tfhub.dev/tensorflow/talkheads_ggelu_bert_en_base/1",
          BERT_UNCASED_PREPROCESS, family="talking_heads", citation=TALKING_HEADS_CITATION),
    _base("experts_pubmed", "BERT Expert (PubMed)",
          "https://tfhub.dev/google/experts/bert/pubmed/2", BERT_UNCASED_PREPROCESS,
          citation=EXPERTS_CITATION),
    _base("experts_wiki_books", "BERT Expert (Wikipedia + BooksCorpus)",
          "https://tfhub.dev/google/experts/bert/wiki_books/2", BERT_UNCASED_PREPROCESS,
          citation=EXPERTS_CITATION),
)


def _index(entries: tuple[EncoderSpec, ...]) -> dict[str, EncoderSpec]:
    index: dict[str, EncoderSpec] = {}
    for spec in entries:
        if spec.key in index:
            raise ValueError(f"duplicate encoder key in registry: {spec.key}")
        index[spec.key] = spec
    return index


REGISTRY: dict[str, EncoderSpec] = _index(_ENTRIES)


def imported_spec_path(models_dir: Path, key: str) -> Path:
    """Where ``import-hf`` writes the spec of the encoder imported under ``key``."""
    return Path(models_dir) / IMPORTED_FOLDER / key / SPEC_FILE


def spec_to_json(spec: EncoderSpec) -> str:
    """The spec as JSON, without the fields that follow from where its folder is."""
    fields = {k: v for k, v in dataclasses.asdict(spec).items() if k not in _LOCATED_FIELDS}
    return json.dumps(fields, indent=2) + "\n"


def load_imported_spec(path: Path) -> EncoderSpec:
    """The spec in ``path`` (an ``encoder_spec.json``), with handles pointing at its sibling SavedModels."""
    folder = Path(path).resolve().parent
    fields = json.loads(Path(path).read_text(encoding="utf-8"))
    return EncoderSpec(**fields, encoder_handle=str(folder / "encoder"),
                       preprocessor_handle=str(folder / "preprocessor"), imported_dir=str(folder))


def imported_specs(models_dir: Path | None) -> dict[str, EncoderSpec]:
    """Encoders imported into ``models_dir`` (none when it is ``None`` or has no imports), by key."""
    found: dict[str, EncoderSpec] = {}
    if models_dir is None:
        return found
    for path in sorted((Path(models_dir) / IMPORTED_FOLDER).glob(f"*/{SPEC_FILE}")):
        try:
            spec = load_imported_spec(path)
        except (OSError, ValueError, TypeError) as error:
            log.warning("skipped imported encoder %s: %s", path, error)
            continue
        if spec.key in REGISTRY or spec.key != path.parent.name:
            log.warning("skipped imported encoder %s: key %r clashes with the registry or its folder", path, spec.key)
            continue
        found[spec.key] = spec
    return found


def all_specs(models_dir: Path | None = None) -> dict[str, EncoderSpec]:
    """The registry followed by the encoders imported into ``models_dir``."""
    return REGISTRY | imported_specs(models_dir)


def list_models(pattern: str = "*", models_dir: Path | None = None) -> list[str]:
    """Registered (and imported) keys matching a shell-style wildcard, in registry order."""
    return [key for key in all_specs(models_dir) if fnmatch.fnmatchcase(key, pattern)]


def get_spec(key: str, models_dir: Path | None = None) -> EncoderSpec:
    """The spec registered (or imported into ``models_dir``) under ``key``; a miss names the closest keys."""
    specs = all_specs(models_dir)
    try:
        return specs[key]
    except KeyError:
        close = difflib.get_close_matches(key, list(specs), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else "see `python -m benchmark list`."
        raise UsageError(f"unknown model '{key}': {hint}") from None


def keys_using(handle: str) -> list[str]:
    """The registry keys whose encoder or preprocessor is ``handle``, in registry order."""
    return [key for key, spec in REGISTRY.items() if handle in (spec.encoder_handle, spec.preprocessor_handle)]

"""The registered KerasHub presets, as data: each preset's pinned Kaggle handle, exact shape, family and citation.

A second source of encoders beside TF-Hub's (:mod:`benchmark.encoders.presets`): every entry becomes an
:class:`~benchmark.encoders.spec.EncoderSpec` whose handles are the preset's ``kaggle://`` handle with its version
pinned. The family says how it runs (:mod:`benchmark.encoders.keras_hub`): BERT, ALBERT and DistilBERT presets are
converted into those families; ELECTRA into :mod:`~benchmark.encoders.families.electra`, whose pooled output is the
``[CLS]`` state (KerasHub's ELECTRA pooler is random); DeBERTa-v3 into a tf-keras port of KerasHub's backbone
(:mod:`~benchmark.encoders.families.deberta_v3`); RoBERTa and XLM-RoBERTa do not run
(:mod:`~benchmark.encoders.families.keras3`). Keys are ``kh_`` + the KerasHub preset name.
"""

from __future__ import annotations

from typing import Any

from benchmark.encoders.families.base import EXACT_GELU
from benchmark.encoders.presets import ALBERT_CITATION, ELECTRA_CITATION, SMALL_BERT_CITATION, SMALL_LEARNING_RATE
from benchmark.encoders.spec import BERT_CITATION, KERAS_HUB_SCHEME

KEY_PREFIX = "kh_"
VIA = "; weights: KerasHub preset"
DISTILBERT_CITATION = "Sanh et al. 2019, DistilBERT, a distilled version of BERT (arXiv:1910.01108)"
ROBERTA_CITATION = "Liu et al. 2019, RoBERTa: A Robustly Optimized BERT Pretraining Approach (arXiv:1907.11692)"
XLMR_CITATION = "Conneau et al. 2020, Unsupervised Cross-lingual Representation Learning at Scale (arXiv:1911.02116)"
DEBERTA_V3_CITATION = ("He et al. 2021, DeBERTaV3: Improving DeBERTa using ELECTRA-Style Pre-Training with "
                       "Gradient-Disentangled Embedding Sharing (arXiv:2111.09543)")

BASE = dict(num_layers=12, hidden_size=768, num_heads=12, intermediate_size=3072)


def keras_hub(model: str, preset: str, version: int, name: str, citation: str, **shape: Any) -> dict[str, Any]:
    """One KerasHub preset: ``kaggle://keras/<model>/keras/<preset>/<version>`` under key ``kh_<preset>``."""
    handle = f"{KERAS_HUB_SCHEME}keras/{model}/keras/{preset}/{version}"
    hidden = shape["hidden_size"]
    rate = SMALL_LEARNING_RATE if hidden <= 256 else 5e-5 if hidden < 768 else 3e-5
    return dict(key=KEY_PREFIX + preset, name=f"{name} (KerasHub)", encoder_handle=handle, preprocessor_handle=handle,
                citation=citation + VIA, learning_rate=rate) | shape


def bert(preset: str, name: str, layers: int, hidden: int, citation: str = SMALL_BERT_CITATION) -> dict[str, Any]:
    return keras_hub("bert", preset, 3, name, citation, num_layers=layers, hidden_size=hidden,
                     num_heads=hidden // 64, intermediate_size=4 * hidden)


KERAS_HUB_PRESETS: tuple[dict[str, Any], ...] = (
    bert("bert_tiny_en_uncased", "BERT tiny uncased L-2 H-128 A-2", 2, 128),
    bert("bert_small_en_uncased", "BERT small uncased L-4 H-512 A-8", 4, 512),
    bert("bert_medium_en_uncased", "BERT medium uncased L-8 H-512 A-8", 8, 512),
    bert("bert_base_en_uncased", "BERT base uncased", 12, 768, citation=BERT_CITATION),
    keras_hub("electra", "electra_small_discriminator_uncased_en", 2, "ELECTRA small discriminator",
              ELECTRA_CITATION, family="electra", **BASE | dict(hidden_size=256, num_heads=4, intermediate_size=1024,
                                                              embedding_size=128)),
    keras_hub("electra", "electra_base_discriminator_uncased_en", 2, "ELECTRA base discriminator", ELECTRA_CITATION,
              family="electra", **BASE),
    keras_hub("distil_bert", "distil_bert_base_en_uncased", 3, "DistilBERT base uncased", DISTILBERT_CITATION,
              family="distilbert", activation=EXACT_GELU, **BASE | dict(num_layers=6)),
    keras_hub("albert", "albert_base_en_uncased", 5, "ALBERT base uncased", ALBERT_CITATION, family="albert",
              vocab_size=30000, embedding_size=128, **BASE),
    keras_hub("roberta", "roberta_base_en", 3, "RoBERTa base", ROBERTA_CITATION, family="roberta",
              vocab_size=50265, lower_case=False, **BASE),
    keras_hub("xlm_roberta", "xlm_roberta_base_multi", 3, "XLM-RoBERTa base", XLMR_CITATION, family="roberta",
              vocab_size=250002, lower_case=False, **BASE),
    keras_hub("deberta_v3", "deberta_v3_extra_small_en", 3, "DeBERTa-v3 extra-small", DEBERTA_V3_CITATION,
              family="deberta_v3", vocab_size=128100, lower_case=False,
              **BASE | dict(hidden_size=384, num_heads=6, intermediate_size=1536)),
    keras_hub("deberta_v3", "deberta_v3_small_en", 3, "DeBERTa-v3 small", DEBERTA_V3_CITATION, family="deberta_v3",
              vocab_size=128100, lower_case=False, **BASE | dict(num_layers=6)),
    keras_hub("deberta_v3", "deberta_v3_base_en", 3, "DeBERTa-v3 base", DEBERTA_V3_CITATION, family="deberta_v3",
              vocab_size=128100, lower_case=False, **BASE),
)

"""The registered TF-Hub encoders, as data: each encoder handle with its preprocessor, shape and citation.

Every entry becomes an :class:`~benchmark.encoders.spec.EncoderSpec` (fields not given take its defaults), in this
order, which is the order of ``list`` and ``run --all``.
"""

from __future__ import annotations

from typing import Any

# Turc et al. found the smallest Small BERTs prefer larger fine-tuning rates than BERT base's 3e-5 (grid up to 1e-4).
SMALL_LEARNING_RATE = 1e-4

BERT_UNCASED_PREPROCESS = "https://tfhub.dev/tensorflow/bert_en_uncased_preprocess/3"
BERT_CASED_PREPROCESS = "https://tfhub.dev/tensorflow/bert_en_cased_preprocess/3"
BERT_MULTI_CASED_PREPROCESS = "https://tfhub.dev/tensorflow/bert_multi_cased_preprocess/3"
ALBERT_PREPROCESS = "https://tfhub.dev/tensorflow/albert_en_preprocess/3"

SMALL_BERT_CITATION = "Turc et al. 2019, Well-Read Students Learn Better (arXiv:1908.08962)"
ALBERT_CITATION = "Lan et al. 2020, ALBERT: A Lite BERT (arXiv:1909.11942)"
ELECTRA_CITATION = "Clark et al. 2020, ELECTRA: Pre-training Text Encoders as Discriminators (arXiv:2003.10555)"
TALKING_HEADS_CITATION = (
    "Shazeer et al. 2020, Talking-Heads Attention (arXiv:2003.02436); "
    "Shazeer 2020, GLU Variants Improve Transformer (arXiv:2002.05202)"
)
EXPERTS_CITATION = "Google, BERT Experts on TF Hub (tfhub.dev/google/collections/experts/bert/1)"

BASE = dict(num_layers=12, hidden_size=768, num_heads=12, intermediate_size=3072)  # BERT base's shape
SMALL_BERT_LAYERS = (2, 4, 6, 8, 10, 12)
SMALL_BERT_HIDDEN = (128, 256, 512, 768)


def small_bert(layers: int, hidden: int) -> dict[str, Any]:
    """The Small BERT of ``layers`` x ``hidden`` (Turc et al.: 64-wide heads, 4x feed-forward)."""
    heads = hidden // 64
    return dict(
        key=f"small_bert_l{layers}_h{hidden}",
        name=f"Small BERT L-{layers} H-{hidden} A-{heads}",
        encoder_handle=f"https://tfhub.dev/tensorflow/small_bert/bert_en_uncased_L-{layers}_H-{hidden}_A-{heads}/1",
        preprocessor_handle=BERT_UNCASED_PREPROCESS,
        num_layers=layers, hidden_size=hidden, num_heads=heads, intermediate_size=4 * hidden,
        learning_rate=SMALL_LEARNING_RATE if hidden <= 256 else 5e-5,
        citation=SMALL_BERT_CITATION,
    )


PRESETS: tuple[dict[str, Any], ...] = (
    BASE | dict(key="bert_base_uncased", name="BERT base uncased",
                encoder_handle="https://tfhub.dev/tensorflow/bert_en_uncased_L-12_H-768_A-12/3",
                preprocessor_handle=BERT_UNCASED_PREPROCESS),
    BASE | dict(key="bert_base_cased", name="BERT base cased",
                encoder_handle="https://tfhub.dev/tensorflow/bert_en_cased_L-12_H-768_A-12/3",
                preprocessor_handle=BERT_CASED_PREPROCESS, vocab_size=28996, lower_case=False),
    BASE | dict(key="bert_multi_cased", name="BERT multilingual cased",
                encoder_handle="https://tfhub.dev/tensorflow/bert_multi_cased_L-12_H-768_A-12/3",
                preprocessor_handle=BERT_MULTI_CASED_PREPROCESS, vocab_size=119547, lower_case=False),
    *(small_bert(layers, hidden) for layers in SMALL_BERT_LAYERS for hidden in SMALL_BERT_HIDDEN),
    BASE | dict(key="albert_base", name="ALBERT base",
                encoder_handle="https://tfhub.dev/tensorflow/albert_en_base/2", preprocessor_handle=ALBERT_PREPROCESS,
                family="albert", vocab_size=30000, embedding_size=128, citation=ALBERT_CITATION),
    BASE | dict(key="electra_small", name="ELECTRA small",
                encoder_handle="https://tfhub.dev/google/electra_small/2", preprocessor_handle=BERT_UNCASED_PREPROCESS,
                hidden_size=256, num_heads=4, intermediate_size=1024, embedding_size=128,
                learning_rate=SMALL_LEARNING_RATE, citation=ELECTRA_CITATION),
    BASE | dict(key="electra_base", name="ELECTRA base",
                encoder_handle="https://tfhub.dev/google/electra_base/2", preprocessor_handle=BERT_UNCASED_PREPROCESS,
                citation=ELECTRA_CITATION),
    BASE | dict(key="talking_heads_base", name="Talking-Heads GGeLU BERT base",
                encoder_handle="https://tfhub.dev/tensorflow/talkheads_ggelu_bert_en_base/1",
                preprocessor_handle=BERT_UNCASED_PREPROCESS, family="talking_heads", citation=TALKING_HEADS_CITATION),
    BASE | dict(key="experts_pubmed", name="BERT Expert (PubMed)",
                encoder_handle="https://tfhub.dev/google/experts/bert/pubmed/2",
                preprocessor_handle=BERT_UNCASED_PREPROCESS, citation=EXPERTS_CITATION),
    BASE | dict(key="experts_wiki_books", name="BERT Expert (Wikipedia + BooksCorpus)",
                encoder_handle="https://tfhub.dev/google/experts/bert/wiki_books/2",
                preprocessor_handle=BERT_UNCASED_PREPROCESS, citation=EXPERTS_CITATION),
)


def keys_using(handle: str) -> list[str]:
    """The registered keys whose encoder or preprocessor is ``handle``, in registry order."""
    return [preset["key"] for preset in PRESETS if handle in (preset["encoder_handle"], preset["preprocessor_handle"])]

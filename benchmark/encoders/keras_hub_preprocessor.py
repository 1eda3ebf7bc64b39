"""A TF-Hub preprocessor that gives exactly the ids a KerasHub preset's own tokenizer and packer give.

tf-models-official's ``export_tfhub_lib.export_preprocessing`` ties its normalisation to the original models: its
WordPiece tokenizer strips accents whenever it lower-cases, and its SentencePiece one (ALBERT's) always strips
accents, may case-fold, and looks the padding id up as ``<pad>``. KerasHub's tokenizers say for themselves:
``WordPieceTokenizer`` has separate ``lowercase`` and ``strip_accents`` settings (``strip_accents`` off by default),
``SentencePieceTokenizer`` runs the model's own normalisation only, and each family names its special tokens
(DeBERTa-v3 pads with ``[PAD]``). So this builds the same preprocessor SavedModel (root call, ``tokenize``,
``tokenize.get_special_tokens_dict``, ``bert_pack_inputs``) from tf-models-official's layers with no normalisation
of their own, after a :class:`Normalize` layer doing what the KerasHub tokenizer does, with its special ids.
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf
import tensorflow_text as text
import tf_keras

DEFAULT_SEQ_LENGTH = 128
VOCAB = "vocab.txt"
SENTENCEPIECE = "sentencepiece.model"


@tf_keras.saving.register_keras_serializable(package="benchmark")
class Normalize(tf_keras.layers.Layer):
    """KerasHub's WordPiece normalisation: accents stripped (NFD, then marks removed), then case folding."""

    def __init__(self, strip_accents: bool, lowercase: bool, **kwargs):
        super().__init__(**kwargs)
        self.strip_accents, self.lowercase = strip_accents, lowercase

    def call(self, sentences):
        if self.strip_accents:
            sentences = tf.strings.regex_replace(text.normalize_utf8(sentences, "NFD"), r"\p{Mn}", "")
        return text.case_fold_utf8(sentences) if self.lowercase else sentences

    def get_config(self):
        return super().get_config() | dict(strip_accents=self.strip_accents, lowercase=self.lowercase)


def tokenizer_asset(tokenizer, folder: Path) -> tuple[Path, bool]:
    """Write ``tokenizer``'s model into ``folder``: its SentencePiece proto, else its WordPiece vocabulary; returns
    the file and whether it is SentencePiece."""
    if proto := getattr(tokenizer, "proto", None):
        (path := folder / SENTENCEPIECE).write_bytes(proto)
        return path, True
    (path := folder / VOCAB).write_text("\n".join(tokenizer.get_vocabulary()) + "\n", encoding="utf-8")
    return path, False


def special_ids(tokenizer) -> dict[str, int]:
    """A KerasHub tokenizer's [CLS], [SEP] and padding ids, under tf-models-official's names."""
    return dict(start_of_sequence_id=int(tokenizer.cls_token_id), end_of_segment_id=int(tokenizer.sep_token_id),
                padding_id=int(tokenizer.pad_token_id))


def export_keras_hub_preprocessor(out: Path, tokenizer, asset: Path, sentencepiece: bool,
                                  default_seq_length: int = DEFAULT_SEQ_LENGTH) -> None:
    """Export to ``out`` the preprocessor of the KerasHub ``tokenizer`` whose model :func:`tokenizer_asset` wrote
    to ``asset``."""
    from official.nlp.modeling import layers
    from official.nlp.tools.export_tfhub_lib import BertPackInputsSavedModelWrapper

    sentences = tf_keras.layers.Input(shape=(), dtype=tf.string, name="sentences")
    if sentencepiece:
        tokenize = layers.SentencepieceTokenizer(model_file_path=str(asset), lower_case=False, strip_diacritics=False,
                                                 tokenize_with_offsets=False)
        tokens = tokenize(sentences)
    else:
        tokenize = layers.BertTokenizer(vocab_file=str(asset), lower_case=False, tokenize_with_offsets=False)
        normalize = Normalize(bool(getattr(tokenizer, "strip_accents", False)),
                              bool(getattr(tokenizer, "lowercase", False)), name="normalize")
        tokens = tokenize(normalize(sentences))
    special = tokenize.get_special_tokens_dict() | special_ids(tokenizer)
    pack = layers.BertPackInputs(seq_length=default_seq_length, special_tokens_dict=special)
    preprocessing = tf_keras.Model(sentences, pack(tokens))
    preprocessing.tokenize = tf_keras.Model(sentences, tokens)
    preprocessing.tokenize.get_special_tokens_dict = tf.train.Checkpoint()
    preprocessing.tokenize.get_special_tokens_dict.__call__ = tf.function(lambda: dict(special), input_signature=[])
    preprocessing.bert_pack_inputs = BertPackInputsSavedModelWrapper(pack)
    preprocessing.save(str(out), include_optimizer=False, save_format="tf")

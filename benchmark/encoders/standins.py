"""Local stand-in encoders: TF-Hub-format SavedModels with a registry architecture and random weights."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import tempfile
from pathlib import Path

from benchmark.core.atomic import atomic_directory
from benchmark.core.hashing import file_sha256
from benchmark.core.paths import STANDINS_FOLDER
from benchmark.encoders.spec import EncoderSpec
from benchmark.encoders.vocab import check_vocab_file

log = logging.getLogger(__name__)

STANDIN_SEED = 0
MANIFEST = "standin.json"


@dataclasses.dataclass(frozen=True)
class StandIn:
    """Paths of a built stand-in encoder and its preprocessor.

    Args:
      encoder_path: SavedModel folder of the encoder (TF-Hub encoder API).
      preprocessor_path: SavedModel folder of the preprocessor (TF-Hub preprocessor API).
      vocab_sha256: Hash of the WordPiece vocabulary both were built from.
      vocab_size: Tokens in that vocabulary.
    """

    encoder_path: Path
    preprocessor_path: Path
    vocab_sha256: str
    vocab_size: int


def standin_dir(spec: EncoderSpec, vocab_sha256: str, models_dir: Path) -> Path:
    """Where the stand-in for ``spec`` built from a vocabulary with that hash is cached."""
    return Path(models_dir) / STANDINS_FOLDER / f"{spec.key}-{vocab_sha256[:12]}"


def shared_preprocessor_dir(vocab_sha256: str, lower_case: bool, models_dir: Path) -> Path:
    """Where the stand-ins' preprocessor for a vocabulary with that hash and that casing is exported once."""
    return Path(models_dir) / STANDINS_FOLDER / f"preprocessor-{'uncased' if lower_case else 'cased'}-{vocab_sha256[:12]}"


def shared_preprocessor(vocab_file: Path, vocab_sha256: str, lower_case: bool, models_dir: Path) -> Path:
    """The preprocessor SavedModel of ``vocab_file`` with that casing, exported on first use and kept.

    Stand-ins copy it rather than export their own: the export takes seconds, and a copy keeps TensorFlow's
    SavedModel fingerprint (a new export does not), so every stand-in of a suite tokenizes alike and shares
    tokenized reviews (:mod:`benchmark.training.token_cache`).
    """
    target = shared_preprocessor_dir(vocab_sha256, lower_case, models_dir)
    if not (target / "saved_model.pb").is_file():
        from official.nlp.tools import export_tfhub_lib  # deferred: imports TensorFlow

        log.info("exporting the stand-ins' %s preprocessor for %s to %s", "uncased" if lower_case else "cased",
                 vocab_file, target)
        with atomic_directory(target) as tmp:
            export_tfhub_lib.export_preprocessing(str(tmp), vocab_file=str(vocab_file), do_lower_case=lower_case,
                                                  tokenize_with_offsets=False, default_seq_length=128)
    return target


def build_standin(spec: EncoderSpec, vocab_file: Path, models_dir: Path) -> StandIn:
    """Build (or reuse from the cache) a random-weight stand-in of ``spec`` for ``vocab_file``."""
    tokens = check_vocab_file(vocab_file)
    sha = file_sha256(vocab_file)
    target = standin_dir(spec, sha, models_dir)
    standin = StandIn(target / "encoder", target / "preprocessor", sha, len(tokens))
    if (target / MANIFEST).is_file():
        return standin
    preprocessor = shared_preprocessor(Path(vocab_file), sha, spec.lower_case, models_dir)
    log.info("building stand-in %s (%s, random weights, %d-token vocabulary) in %s",
             spec.key, spec.architecture, len(tokens), target)
    with atomic_directory(target) as tmp:
        _export(spec, Path(vocab_file), len(tokens), tmp)
        shutil.copytree(preprocessor, tmp / "preprocessor")
        manifest = dict(
            key=spec.key,
            architecture=spec.architecture,
            family=spec.family,
            weights="stand-in",
            note="random weights with the registry architecture; accuracy is not meaningful",
            vocab_sha256=sha,
            vocab_size=len(tokens),
            lower_case=spec.lower_case,
            seed=STANDIN_SEED,
        )
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return standin


def _export(spec: EncoderSpec, vocab_file: Path, vocab_size: int, out: Path) -> None:
    import tensorflow as tf

    from benchmark.encoders.build import build_encoder  # deferred: imports TensorFlow

    tf.keras.utils.set_random_seed(STANDIN_SEED)
    encoder = build_encoder(spec, vocab_size)
    ids = tf.zeros((1, 2), tf.int32)
    # A subclassed encoder (DistilBERT's) creates its weights on its first call; the others have them already.
    encoder(dict(input_word_ids=ids, input_mask=tf.ones_like(ids), input_type_ids=ids))
    export_encoder(encoder, spec, vocab_file, vocab_size, out)


def export_encoder(encoder, spec: EncoderSpec, vocab_file: Path | None, vocab_size: int, out: Path,
                   sp_model_file: Path | None = None) -> None:
    """Export ``encoder`` (built for ``spec``) to ``out/encoder`` with tf-models-official's ``export_tfhub_lib``,
    so that it follows the TF-Hub text encoder API exactly as the published BERT models do. Its tokenizer asset is
    the WordPiece ``vocab_file``, or the ``sp_model_file`` SentencePiece model (ALBERT, DeBERTa-v3)."""
    import tensorflow as tf
    from official.nlp.tools import export_tfhub_lib

    from benchmark.encoders.build import encoder_config  # deferred: imports TensorFlow

    tokenizer = dict(sp_model_file=str(sp_model_file)) if sp_model_file else dict(vocab_file=str(vocab_file))
    with tempfile.TemporaryDirectory() as ckpt_dir:
        checkpoint_path = tf.train.Checkpoint(encoder=encoder).save(f"{ckpt_dir}/encoder")
        export_tfhub_lib.export_model(
            str(out / "encoder"),
            encoder_config=encoder_config(spec, vocab_size),
            model_checkpoint_path=checkpoint_path,
            with_mlm=False,
            do_lower_case=spec.lower_case,
            **tokenizer,
        )


def export_tfhub(encoder, spec: EncoderSpec, vocab_file: Path, vocab_size: int, out: Path) -> None:
    """Export ``encoder`` (built for ``spec``) to ``out/encoder`` and its WordPiece preprocessor to
    ``out/preprocessor``, both following the TF-Hub text encoder and preprocessor APIs (what ``import-hf`` writes)."""
    from official.nlp.tools import export_tfhub_lib

    export_encoder(encoder, spec, vocab_file, vocab_size, out)
    export_tfhub_lib.export_preprocessing(
        str(out / "preprocessor"),
        vocab_file=str(vocab_file),
        do_lower_case=spec.lower_case,
        tokenize_with_offsets=False,
        default_seq_length=128,
    )

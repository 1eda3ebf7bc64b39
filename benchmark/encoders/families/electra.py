"""ELECTRA as KerasHub converts it: BERT layers (factorised embeddings in the small model) and no trained pooler.

KerasHub's ``ElectraBackbone`` carries a ``pooled_dense`` layer, but its presets leave it randomly initialised (the
discriminator checkpoint has no pooler). Converted into this family, the encoder's ``pooled_output`` is the final
``[CLS]`` state itself, the first token of ``sequence_output``: what the shared head reads.
"""

from __future__ import annotations

from typing import Any

from benchmark.encoders.families.base import Family, shape


class Electra(Family):
    """BERT layers with the ``[CLS]`` state as pooled output and optional factorised embeddings."""

    name = "electra"
    display_name = "ELECTRA"
    cls_only = True
    pooler = False

    def encoder_config(self, spec: Any, vocab_size: int, output_range: int | None):
        from official.nlp.configs import encoders  # deferred: imports TensorFlow

        from benchmark.encoders.networks import ClsPooledEncoderConfig  # deferred: imports TensorFlow

        return encoders.EncoderConfig(type="any", any=ClsPooledEncoderConfig(
            hidden_activation=spec.activation, output_range=output_range, embedding_width=spec.embedding_size,
            **shape(spec, vocab_size)))


FAMILY = Electra()

"""ALBERT: factorised embeddings and one set of layer weights shared by every layer."""

from __future__ import annotations

from typing import Any

from benchmark.encoders.families.base import Family, shape


class Albert(Family):
    """tf-models-official's ``AlbertEncoder``."""

    name = "albert"
    display_name = "ALBERT"
    shared_layers = True

    def encoder_config(self, spec: Any, vocab_size: int, output_range: int | None):
        from official.nlp.configs import encoders  # deferred: imports TensorFlow

        return encoders.EncoderConfig(type="albert", albert=encoders.AlbertEncoderConfig(
            embedding_width=spec.embedding_size or spec.hidden_size, hidden_activation=spec.activation,
            **shape(spec, vocab_size)))


FAMILY = Albert()

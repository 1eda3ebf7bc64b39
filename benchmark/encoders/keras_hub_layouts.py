"""How each converted family's KerasHub weights map onto its tf-keras encoder's variables (by name)."""

from __future__ import annotations

from typing import Any

from benchmark.encoders.spec import EncoderSpec

def _layer(tf: str, kh: str) -> dict[str, str]:
    """tf-models-official names of one transformer layer -> KerasHub's ``TransformerEncoder`` names."""
    names = {f"{tf}self_attention/{part}/{kind}": f"{kh}self_attention_layer/{part}/{kind}"
             for part in ("query", "key", "value", "attention_output") for kind in ("kernel", "bias")}
    dense = (("intermediate", "feedforward_intermediate_dense"), ("output", "feedforward_output_dense"))
    for tf_part, kh_part in dense:
        names |= {f"{tf}{tf_part}/{kind}": f"{kh}{kh_part}/{kind}" for kind in ("kernel", "bias")}
    for tf_part, kh_part in (("self_attention_layer_norm", "self_attention_layer_norm"),
                             ("output_layer_norm", "feedforward_layer_norm")):
        names |= {f"{tf}{tf_part}/{kind}": f"{kh}{kh_part}/{kind}" for kind in ("gamma", "beta")}
    return names


# Per converted family: KerasHub's embedding paths (token, position, segment: None where it has none, then zeros),
# its embedding projection (factorised embeddings), whether its pooler is trained, and its layers' paths.
LAYOUTS: dict[str, dict[str, Any]] = {
    "bert": dict(embeddings=("token_embedding", "position_embedding", "segment_embedding"), projection=None,
                 pooler=True, layers="transformer_layer_{i}/"),
    "electra": dict(embeddings=("token_embedding", "position_embedding", "segment_embedding"),
                    projection="embeddings_projection", pooler=False, layers="transformer_layer_{i}/"),
    "distilbert": dict(embeddings=("token_and_position_embedding/token_embedding",
                                   "token_and_position_embedding/position_embedding", None),
                       projection=None, pooler=False, layers="transformer_layer_{i}/"),
    "albert": dict(embeddings=("token_embedding", "position_embedding", "segment_embedding"),
                   projection="embedding_projection", pooler=True, layers=None),  # one shared layer
    # The tf-keras port (benchmark.encoders.deberta_v3) names its variables by KerasHub's paths.
    "deberta_v3": dict(embeddings=None, projection=None, pooler=False,
                       layers="disentangled_attention_encoder_layer_{i}/"),
}
DEBERTA_V3_EMBEDDINGS = ("token_embedding/embeddings", "embeddings_layer_norm/gamma", "embeddings_layer_norm/beta",
                         "rel_embedding/rel_embedding", "rel_embedding/rel_embeddings_layer_norm/gamma",
                         "rel_embedding/rel_embeddings_layer_norm/beta")
DEBERTA_V3_LAYER = tuple(f"{part}/{kind}" for part, kinds in (
    *((f"self_attention_layer/{name}", ("kernel", "bias")) for name in ("query", "key", "value", "attention_output")),
    ("self_attention_layer_norm", ("gamma", "beta")), ("feedforward_intermediate_dense", ("kernel", "bias")),
    ("feedforward_output_dense", ("kernel", "bias")), ("feedforward_layer_norm", ("gamma", "beta"))) for kind in kinds)


def token_embeddings(spec: EncoderSpec) -> str:
    """The encoder variable holding ``spec``'s token embeddings (its rows are the vocabulary size)."""
    return "token_embedding/embeddings" if spec.family == "deberta_v3" else "word_embeddings/embeddings"


def _same_names(spec: EncoderSpec) -> dict[str, str | None]:
    paths = [*DEBERTA_V3_EMBEDDINGS, *(LAYOUTS[spec.family]["layers"].format(i=i) + path
                                       for i in range(spec.num_layers) for path in DEBERTA_V3_LAYER)]
    return {path: path for path in paths}


def weight_names(spec: EncoderSpec) -> dict[str, str | None]:
    """tf-models-official variable -> KerasHub weight path (None: zeros, as DistilBERT's segment embeddings)."""
    layout = LAYOUTS[spec.family]
    if layout["embeddings"] is None:
        return _same_names(spec)
    token, position, segment = layout["embeddings"]
    names: dict[str, str | None] = {
        "word_embeddings/embeddings": f"{token}/embeddings", "position_embedding/embeddings": f"{position}/embeddings",
        "type_embeddings/embeddings": f"{segment}/embeddings" if segment else None,
        "embeddings/layer_norm/gamma": "embeddings_layer_norm/gamma",
        "embeddings/layer_norm/beta": "embeddings_layer_norm/beta"}
    if layout["layers"] is None:
        names |= _layer("transformer/", "group_0_inner_layer_0/")
    else:
        for i in range(spec.num_layers):
            names |= _layer(f"transformer/layer_{i}/", layout["layers"].format(i=i))
    if layout["projection"] and spec.embedding_size:
        names |= {f"embedding_projection/{kind}": f"{layout['projection']}/{kind}" for kind in ("kernel", "bias")}
    if layout["pooler"]:
        names |= {f"pooler_transform/{kind}": f"pooled_dense/{kind}" for kind in ("kernel", "bias")}
    return names



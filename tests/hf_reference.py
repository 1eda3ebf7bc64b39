"""Test helpers: tiny random Hugging Face BERT/DistilBERT checkpoints and a NumPy forward pass of them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "movie", "was", "great", "awful", "a", "film",
         "plot", "it", "##s", "fun", ".", ",", "!", "and"]
TINY = dict(layers=2, hidden=16, heads=4, intermediate=32, positions=40)


def _linear(rng: np.random.Generator, out: int, inp: int, prefix: str) -> dict[str, np.ndarray]:
    return {f"{prefix}.weight": rng.normal(0, 0.2, (out, inp)).astype(np.float32),
            f"{prefix}.bias": rng.normal(0, 0.1, (out,)).astype(np.float32)}


def _norm(rng: np.random.Generator, size: int, prefix: str) -> dict[str, np.ndarray]:
    return {f"{prefix}.weight": (1 + rng.normal(0, 0.1, (size,))).astype(np.float32),
            f"{prefix}.bias": rng.normal(0, 0.1, (size,)).astype(np.float32)}


def bert_weights(seed: int = 0, pooler: bool = True, **shape) -> dict[str, np.ndarray]:
    """Random ``BertModel`` tensors, named as Hugging Face saves them (no ``bert.`` prefix)."""
    s = TINY | shape
    rng = np.random.default_rng(seed)
    h, i = s["hidden"], s["intermediate"]
    w = {"embeddings.word_embeddings.weight": rng.normal(0, 0.5, (len(VOCAB), h)).astype(np.float32),
         "embeddings.position_embeddings.weight": rng.normal(0, 0.5, (s["positions"], h)).astype(np.float32),
         "embeddings.token_type_embeddings.weight": rng.normal(0, 0.5, (2, h)).astype(np.float32),
         "embeddings.position_ids": np.arange(s["positions"], dtype=np.int64)[None],
         **_norm(rng, h, "embeddings.LayerNorm")}
    for n in range(s["layers"]):
        p = f"encoder.layer.{n}."
        for part in ("query", "key", "value"):
            w |= _linear(rng, h, h, f"{p}attention.self.{part}")
        w |= _linear(rng, h, h, f"{p}attention.output.dense") | _norm(rng, h, f"{p}attention.output.LayerNorm")
        w |= _linear(rng, i, h, f"{p}intermediate.dense") | _linear(rng, h, i, f"{p}output.dense")
        w |= _norm(rng, h, f"{p}output.LayerNorm")
    if pooler:
        w |= _linear(rng, h, h, "pooler.dense")
    return w


def distilbert_weights(seed: int = 0, **shape) -> dict[str, np.ndarray]:
    """Random ``DistilBertModel`` tensors, named as Hugging Face saves them."""
    s = TINY | shape
    rng = np.random.default_rng(seed)
    h, i = s["hidden"], s["intermediate"]
    w = {"embeddings.word_embeddings.weight": rng.normal(0, 0.5, (len(VOCAB), h)).astype(np.float32),
         "embeddings.position_embeddings.weight": rng.normal(0, 0.5, (s["positions"], h)).astype(np.float32),
         **_norm(rng, h, "embeddings.LayerNorm")}
    for n in range(s["layers"]):
        p = f"transformer.layer.{n}."
        for part in ("q_lin", "k_lin", "v_lin", "out_lin"):
            w |= _linear(rng, h, h, f"{p}attention.{part}")
        w |= _norm(rng, h, f"{p}sa_layer_norm") | _norm(rng, h, f"{p}output_layer_norm")
        w |= _linear(rng, i, h, f"{p}ffn.lin1") | _linear(rng, h, i, f"{p}ffn.lin2")
    return w


def bert_config(model_type: str = "bert", vocab_size: int = len(VOCAB), **shape) -> dict:
    s = TINY | shape
    if model_type == "distilbert":
        return dict(model_type="distilbert", architectures=["DistilBertModel"], vocab_size=vocab_size,
                    dim=s["hidden"], n_layers=s["layers"], n_heads=s["heads"], hidden_dim=s["intermediate"],
                    max_position_embeddings=s["positions"], activation="gelu", sinusoidal_pos_embds=False,
                    dropout=0.1, attention_dropout=0.1, initializer_range=0.02, pad_token_id=0)
    return dict(model_type=model_type, architectures=["BertModel"], vocab_size=vocab_size,
                hidden_size=s["hidden"], num_hidden_layers=s["layers"], num_attention_heads=s["heads"],
                intermediate_size=s["intermediate"], max_position_embeddings=s["positions"], type_vocab_size=2,
                hidden_act="gelu", layer_norm_eps=1e-12, hidden_dropout_prob=0.1,
                attention_probs_dropout_prob=0.1, initializer_range=0.02, pad_token_id=0)


def write_checkpoint(folder: Path, weights: dict[str, np.ndarray], config: dict, vocab: list[str] = VOCAB,
                     prefix: str = "", tokenizer_json: bool = False) -> Path:
    """Write ``config.json``, ``model.safetensors`` and ``vocab.txt`` (or ``tokenizer.json``) into ``folder``."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    save_file({prefix + name: value for name, value in weights.items()}, str(folder / "model.safetensors"))
    if tokenizer_json:
        tokenizer = dict(normalizer=dict(type="BertNormalizer", lowercase=True),
                         model=dict(type="WordPiece", vocab={token: i for i, token in enumerate(vocab)}))
        (folder / "tokenizer.json").write_text(json.dumps(tokenizer))
    else:
        (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
        (folder / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True}))
    return folder


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _layer_norm(x: np.ndarray, w: dict, name: str, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w[f"{name}.weight"] + w[f"{name}.bias"]


def _dense(x: np.ndarray, w: dict, name: str) -> np.ndarray:
    return x @ w[f"{name}.weight"].T.astype(np.float64) + w[f"{name}.bias"]


def reference_forward(weights: dict[str, np.ndarray], model_type: str, heads: int, ids: np.ndarray,
                      mask: np.ndarray, type_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(sequence_output, pooled_output)`` of a post-LayerNorm BERT/DistilBERT in float64 NumPy, as in PyTorch."""
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][np.arange(ids.shape[1])]
    if model_type == "bert":
        x = x + w["embeddings.token_type_embeddings.weight"][type_ids]
    x = _layer_norm(x, w, "embeddings.LayerNorm")
    names = (dict(q="attention.self.query", k="attention.self.key", v="attention.self.value",
                  o="attention.output.dense", ln1="attention.output.LayerNorm", f1="intermediate.dense",
                  f2="output.dense", ln2="output.LayerNorm", path="encoder.layer.{}.")
             if model_type == "bert" else
             dict(q="attention.q_lin", k="attention.k_lin", v="attention.v_lin", o="attention.out_lin",
                  ln1="sa_layer_norm", f1="ffn.lin1", f2="ffn.lin2", ln2="output_layer_norm",
                  path="transformer.layer.{}."))
    batch, length, hidden = x.shape
    size = hidden // heads
    layers = len({k.split(".")[2] for k in w if k.startswith(names["path"].split("{")[0])})
    bias = np.where(mask[:, None, None, :] > 0, 0.0, -1e9)
    for n in range(layers):
        p = names["path"].format(n)

        def split(t):
            return t.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

        q, k, v = (split(_dense(x, w, p + names[part])) for part in "qkv")
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + bias
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = _layer_norm(x + _dense(context, w, p + names["o"]), w, p + names["ln1"])
        x = _layer_norm(x + _dense(_gelu(_dense(x, w, p + names["f1"])), w, p + names["f2"]), w, p + names["ln2"])
    pooled = np.tanh(_dense(x[:, 0], w, "pooler.dense")) if "pooler.dense.weight" in w else x[:, 0]
    return x, pooled

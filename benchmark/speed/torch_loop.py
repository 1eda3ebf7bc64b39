"""The Hugging Face side of ``bench``: BertForSequenceClassification in a plain PyTorch training loop."""

from __future__ import annotations

import importlib.util
import os

import numpy as np

from benchmark.data.packing import EncodedSplit
from benchmark.encoders.families import is_plain_bert
from benchmark.encoders.spec import ENCODER_INPUTS, EncoderSpec


def unavailable_reason(spec: EncoderSpec) -> str | None:
    """Why the Hugging Face loop cannot run here, or None when it can."""
    missing = [name for name in ("torch", "transformers") if importlib.util.find_spec(name) is None]
    if missing:
        return f"not installed ({' and '.join(missing)} missing; pip install -e '.[hf]')"
    if not is_plain_bert(spec):
        return f"no plain BertConfig equivalent for the {spec.family} architecture of {spec.key}"
    return None


class TorchRunner:
    """A randomly initialised HF BERT classifier of ``spec``'s shape, trained with AdamW step by step.

    It reads the same packed token ids as this project's pipeline (padded to the full sequence length,
    as a tokenizer with ``padding="max_length"`` gives), in order, cycling.
    """

    def __init__(self, spec: EncoderSpec, vocab_size: int, train: EncodedSplit, test: EncodedSplit,
                 batch_size: int, learning_rate: float, seed: int, threads: int):
        # GNU OpenMP threads otherwise spin at every barrier; on a CPU shared with other work that made
        # PyTorch steps up to 100x slower in our measurements. Passive waiting is the fair setting.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import torch
        from transformers import BertConfig, BertForSequenceClassification

        torch.manual_seed(seed)
        torch.set_num_threads(threads)
        self.torch = torch
        config = BertConfig(vocab_size=vocab_size, hidden_size=spec.hidden_size,
                            num_hidden_layers=spec.num_layers, num_attention_heads=spec.num_heads,
                            intermediate_size=spec.intermediate_size, max_position_embeddings=spec.max_positions,
                            type_vocab_size=spec.type_vocab_size, hidden_act="gelu", num_labels=1)
        self.model = BertForSequenceClassification(config)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=learning_rate, weight_decay=0.01)
        self.loss = torch.nn.BCEWithLogitsLoss()
        self.batch_size = batch_size
        self._train = self._batches(train)
        self._test = self._batches(test)
        self.versions = {"torch": torch.__version__, "transformers": __import__("transformers").__version__,
                         "attention": getattr(self.model.config, "_attn_implementation", "unknown")}

    def _batches(self, split: EncodedSplit):
        torch, size = self.torch, self.batch_size
        tensors = [torch.from_numpy(split.features[name].astype(np.int64))
                   for name in ENCODER_INPUTS]
        labels = torch.from_numpy(split.labels.astype(np.float32))
        while True:
            for start in range(0, len(labels) - size + 1, size):
                yield (*(t[start:start + size] for t in tensors), labels[start:start + size])

    def train(self, steps: int) -> float:
        self.model.train()
        loss = None
        for _ in range(steps):
            ids, mask, types, labels = next(self._train)
            self.optimizer.zero_grad(set_to_none=True)
            logits = self.model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits.squeeze(-1)
            loss = self.loss(logits, labels)
            loss.backward()
            self.optimizer.step()
        return float(loss)

    def evaluate(self, steps: int) -> float:
        self.model.eval()
        loss = None
        with self.torch.inference_mode():
            for _ in range(steps):
                ids, mask, types, labels = next(self._test)
                logits = self.model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits.squeeze(-1)
                loss = self.loss(logits, labels)
        return float(loss)

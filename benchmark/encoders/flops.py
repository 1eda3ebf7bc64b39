"""Model FLOPs per example of the registry's encoders, counted from their architecture.

Formula (multiply-add = 2 FLOPs; embedding look-ups, softmax, layer norms and activations ignored, as usual):

- forward, per layer: ``2 * s * P_layer`` for the dense projections, where ``P_layer = 4 h^2 + 2 h i``
  (``4 h^2 + 3 h i`` for the gated feed-forward of talking-heads), plus ``4 * s^2 * h`` for the attention
  scores ``Q K^T`` and the weighted values ``A V`` (talking heads add ``4 * s^2 * a^2`` for its two head
  mixings); factorised embeddings (ALBERT, ELECTRA small) add ``2 * s * e * h`` for their projection;
  the pooler and the head add ``2 h^2 + 2 h``;
- a last layer computed for the ``[CLS]`` position alone (``cls_only``; see
  ``encoders.families.CLS_ONLY_FAMILIES``) still projects keys and values for all ``s`` positions but queries,
  output projection and feed-forward for one:
  ``2 * s * 2 h^2 + 2 * (2 h^2 + 2 h i) + 4 * s * h``;
- training step = 3 x forward (the backward pass costs about twice the forward: gradients with respect
  to both the activations and the weights), the usual estimate of Kaplan et al. 2020 (arXiv:2001.08361).
"""

from __future__ import annotations

from benchmark.encoders.families import family
from benchmark.encoders.spec import EncoderSpec

TRAINING_FACTOR = 3


def forward_flops(spec: EncoderSpec, tokens: float, cls_only: bool = False) -> float:
    """Forward FLOPs for one example padded to ``tokens`` positions (the classifier head included);
    ``cls_only``: the last layer computes ``[CLS]`` alone, where ``spec``'s family supports it. The terms a family
    changes are in its module (:mod:`benchmark.encoders.families`)."""
    return family(spec.family).forward_flops(spec, tokens, cls_only)


def training_flops(spec: EncoderSpec, tokens: float, cls_only: bool = False) -> float:
    """FLOPs of one training example (forward and backward) at ``tokens`` positions."""
    return TRAINING_FACTOR * forward_flops(spec, tokens, cls_only)

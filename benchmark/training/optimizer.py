"""`run`'s optimizer: tf-models' AdamW, with sparse gradients applied by the fused dense Adam kernel.

``official.nlp.optimization.create_optimizer(optimizer_type="adamw")`` is what the TF tutorial and this project
train with. Its Adam is Keras's legacy one, which updates an embedding table's sparse gradient (an
``IndexedSlices`` from the look-up) in about a dozen whole-table element-wise passes: ``m`` and ``v`` are decayed
over every row, whether the batch touched it or not, and the update is built from separate ``sqrt``, add, divide
and multiply ops. Turning the gradient dense first (rows the batch did not touch are zero) and handing it to the
fused ``ResourceApplyAdam`` kernel computes the same update in one pass; ``python tools/optimizer_probe.py``
measures what that buys in a whole training step (``experiments/2026-11-26-optimizer-probe/``). The arithmetic is the same Adam
(equal up to float rounding; ``tests/test_optimizer.py`` compares them).
"""

from __future__ import annotations

import tensorflow as tf
from official.modeling.optimization.legacy_adamw import AdamWeightDecay
from official.nlp import optimization


class DenseAdamWeightDecay(AdamWeightDecay):
    """tf-models' ``AdamWeightDecay``, applying sparse gradients densely with the fused Adam kernel.

    Legacy Adam's sparse update decays ``m`` and ``v`` on every row anyway, so a dense gradient that is zero on
    untouched rows gives the same result; repeated indices are summed, as the sparse path's de-duplication does.
    """

    def _resource_apply_sparse_duplicate_indices(self, grad, handle, indices, **kwargs):
        dense = tf.math.unsorted_segment_sum(grad, indices, num_segments=tf.shape(handle, out_type=indices.dtype)[0])
        return self._resource_apply_dense(dense, handle, **kwargs)


def adamw(learning_rate: float, total_steps: int, warmup_steps: int, fused_sparse: bool = True):
    """AdamW with linear warm-up then linear decay to 0, exactly as ``create_optimizer(optimizer_type="adamw")``.

    ``fused_sparse=False`` returns tf-models' own optimizer (the tutorial's); ``True`` the same optimizer with
    :class:`DenseAdamWeightDecay`'s update, same name, slots and hyperparameters, so checkpoints of either resume
    in the other.
    """
    reference = optimization.create_optimizer(init_lr=learning_rate, num_train_steps=total_steps,
                                              num_warmup_steps=warmup_steps, optimizer_type="adamw")
    if not fused_sparse:
        return reference
    return DenseAdamWeightDecay(
        learning_rate=reference._get_hyper("learning_rate"),  # noqa: SLF001 - the warm-up schedule, as built
        beta_1=reference._get_hyper("beta_1"), beta_2=reference._get_hyper("beta_2"),  # noqa: SLF001
        epsilon=reference.epsilon, weight_decay_rate=reference.weight_decay_rate,
        include_in_weight_decay=reference._include_in_weight_decay,  # noqa: SLF001
        exclude_from_weight_decay=reference._exclude_from_weight_decay,  # noqa: SLF001
        gradient_clip_norm=reference.gradient_clip_norm, name=reference._name)  # noqa: SLF001

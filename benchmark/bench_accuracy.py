"""``bench``'s accuracy check: the tutorial and the fast pipeline trained alike must score alike."""

from __future__ import annotations

from typing import Any

import numpy as np

VALIDATION_FRACTION = 0.2


def accuracy_check(spec, source, config, imdb, preprocessor, ids) -> dict[str, Any]:
    """Train each pipeline one epoch on the same reviews in the same order; validation accuracy of both."""
    import tf_keras

    from benchmark.native import build_for_config
    from benchmark.bench_keras import compile_classifier, text_dataset, tutorial_classifier
    from benchmark.data import balanced_subset, train_validation_split
    from benchmark.pipeline import EncodedSplit, steps_per_pass, to_dataset, tokenize_texts
    from benchmark.truncation import pack

    subset = balanced_subset(imdb.train, config.accuracy_samples, config.seed, "accuracy")
    train, validation = train_validation_split(subset, VALIDATION_FRACTION, config.seed)

    def encode(split) -> EncodedSplit:
        features, lengths = pack(tokenize_texts(split.texts, preprocessor), config.seq_length, config.truncation, ids)
        return EncodedSplit(features, split.labels.astype(np.float32), lengths)

    fast_train, fast_validation = encode(train), encode(validation)
    b, lr = config.batch_size, spec.learning_rate
    scores = {}
    tf_keras.utils.set_random_seed(config.seed)
    steps = -(-len(train) // b)
    model = compile_classifier(tutorial_classifier(source.encoder_handle, source.preprocessor_handle,
                                                   config.seq_length), lr, steps)
    model.fit(text_dataset(train, b), epochs=1, verbose=0)
    scores["tutorial"] = float(model.evaluate(text_dataset(validation, b), return_dict=True, verbose=0)["accuracy"])
    tf_keras.utils.set_random_seed(config.seed)
    seq = None if config.bucketing else config.seq_length
    steps = steps_per_pass(fast_train, b, config.bucketing, config.seq_length)
    fast = build_for_config(spec, source.encoder_handle, seq, config.precision, config.jit_compile)
    model = compile_classifier(fast, lr, steps, config.steps_per_execution, config.jit_compile)
    # Unshuffled like the tutorial's batches; bucketing regroups them by length.
    model.fit(to_dataset(fast_train, b, bucketing=config.bucketing), steps_per_epoch=steps, epochs=1, verbose=0)
    scores["this project"] = float(model.evaluate(
        to_dataset(fast_validation, b, bucketing=config.bucketing), return_dict=True, verbose=0,
        steps=steps_per_pass(fast_validation, b, config.bucketing, config.seq_length))["accuracy"])
    return {"train_examples": len(train), "validation_examples": len(validation), **scores,
            "difference": scores["this project"] - scores["tutorial"]}

"""Fine-tuning one encoder (and the classical baseline): configs, classifier, input pipeline, callbacks, result."""

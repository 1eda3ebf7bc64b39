"""Using a fine-tuned model: its export with a model card, when ``run`` exports, prediction and the local web page."""

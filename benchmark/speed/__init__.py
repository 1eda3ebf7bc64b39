"""``bench``: training and inference speed of the tutorial pipeline, this project's, and Hugging Face's."""

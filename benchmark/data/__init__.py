"""Datasets: loading (a folder, an archive, TensorFlow Datasets), subsets and splits, truncation and packing."""

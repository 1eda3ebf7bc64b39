"""Datasets: the registry, loading (an aclImdb folder or archive, TensorFlow Datasets, your own CSV/JSONL/Parquet
files), subsets and splits for any number of classes, truncation and packing."""

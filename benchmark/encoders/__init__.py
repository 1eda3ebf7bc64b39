"""TF-Hub text encoders: the registry, their architecture families, where their weights come from, and stand-ins."""

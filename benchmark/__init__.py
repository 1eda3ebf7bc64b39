"""tfhub-bench: fine-tune TF-Hub text encoders on IMDb and compare them side by side."""

import os as _os

# TF-Hub's KerasLayer needs Keras 2. TensorFlow 2.16+ ships Keras 3 as tf.keras unless this
# is set before TensorFlow is first imported, so the package selects tf-keras itself.
_os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from benchmark.core.quiet import choose_default_log_level as _choose_default_log_level  # noqa: E402

_choose_default_log_level()  # TensorFlow's C++ logs at warnings and above, unless the user chose

__version__ = "0.1.0"

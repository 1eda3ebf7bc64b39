"""Data fingerprints of IMDb from the archive and from the Kaggle-style CSV (make_csv.py), for the settings of run.sh.

    python experiments/2026-12-01-datasets/fingerprints.py ../shared/data/aclImdb_labeled.tar.gz /tmp/imdb_csv/imdb_kaggle
"""

import sys

from benchmark.data.catalog import load_dataset, resolve_dataset
from benchmark.data.prepared import data_fingerprint, prepare_data
from benchmark.data.tabular import TableOptions
from benchmark.training.config import RunConfig

archive = load_dataset("imdb", data_dir=sys.argv[1])
kaggle = load_dataset(resolve_dataset(sys.argv[2]), table=TableOptions("review", "sentiment"))
print(f"train/test sizes {len(archive.train)}/{len(archive.test)} and {len(kaggle.train)}/{len(kaggle.test)}; "
      f"same texts in the same order: {archive.train.texts == kaggle.train.texts and archive.test.texts == kaggle.test.texts}")
for config in (RunConfig(), RunConfig(train_samples=1000, test_samples=1000), RunConfig(train_samples=4000,
                                                                                         test_samples=2000)):
    fingerprints = [data_fingerprint(prepare_data(data, config)) for data in (archive, kaggle)]
    print(f"--train-samples {config.train_samples} --test-samples {config.test_samples} (seed {config.seed}): "
          f"archive {fingerprints[0]}, CSV {'the same' if fingerprints[0] == fingerprints[1] else fingerprints[1]}")

#!/usr/bin/env bash
# The commands of this experiment, in the order they ran, from the repository root (see README.md).
# MiniLM is imported first (docs/import-hf.md) into the folder given by --models-dir.
set -euxo pipefail
A=../shared/data/aclImdb_labeled.tar.gz
E=experiments/2026-12-01-datasets
M=${MODELS_DIR:-/work/minilm-models}
python $E/make_csv.py $A /tmp/imdb_csv
python $E/fingerprints.py $A /tmp/imdb_csv/imdb_kaggle > $E/fingerprints.txt
# 1. All 25,000 + 25,000 reviews, TF-IDF: the archive, then the same reviews as a Kaggle-style CSV.
python -m benchmark run --model tfidf_logreg --data-dir $A --output $E/full-archive
python -m benchmark run --model tfidf_logreg --dataset /tmp/imdb_csv/imdb_kaggle --text-column review \
  --label-column sentiment --output $E/full-kaggle
# 2. The cross-dataset table of the README: IMDb from the archive and the 4-class rating bands, two models.
python -m benchmark run --model tfidf_logreg --model minilm_l6_h384 --models-dir $M \
  --dataset imdb --data-dir $A --dataset /tmp/imdb_csv/imdb_ratings4 --text-column review --label-column rating \
  --train-samples 1000 --test-samples 1000 --epochs 1 --seq-length 128 --no-save-model --output $E/cross
# 3. The same subset of IMDb from the Kaggle-style CSV, to compare with the archive's runs in cross/.
python -m benchmark run --model tfidf_logreg --model minilm_l6_h384 --models-dir $M \
  --dataset /tmp/imdb_csv/imdb_kaggle --text-column review --label-column sentiment \
  --train-samples 1000 --test-samples 1000 --epochs 1 --seq-length 128 --no-save-model --output $E/subset-kaggle
# 4. Kaggle's single-file layout, "IMDB Dataset.csv" (all 50,000 reviews, no split): the test split is carved out.
python $E/make_csv.py $A /tmp/imdb_csv
python -m benchmark run --model tfidf_logreg --dataset "/tmp/imdb_csv/IMDB Dataset.csv" --text-column review \
  --label-column sentiment --train-samples 2000 --test-samples 1000 --output $E/kaggle-single-file

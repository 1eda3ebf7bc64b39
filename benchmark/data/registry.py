"""The dataset registry: one frozen entry per built-in dataset, as the encoder registry has one per encoder.

Each entry says where the dataset comes from (a TensorFlow Datasets builder), which features hold the text and the
label, the label names, which split is trained on and which is the test set, and whom to cite. A file of your own
(``--dataset my.csv``) needs no entry: :mod:`benchmark.data.tabular` reads it.
"""

from __future__ import annotations

import dataclasses

from benchmark.core.suggest import unknown_name
from benchmark.data.dataset import DatasetInfo

ZHANG_2015 = ("Zhang, Zhao and LeCun 2015, Character-level Convolutional Networks for Text Classification "
              "(NeurIPS 2015, arXiv:1509.01626)")


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """A built-in text-classification dataset.

    Args:
      key: What ``--dataset`` calls it.
      name: Human-readable name.
      short_name: A column header's worth of it (``IMDb``).
      tfds_name: The TensorFlow Datasets builder (``name/config`` where it has configurations).
      text_fields: The features whose text is classified, joined with a space when several (AG News: title, then
        description).
      label_field: The feature holding the class id.
      label_names: Class names, in the builder's id order (named here where the builder only numbers them).
      train_split: The split trained on (the validation split is carved out of it).
      test_split: The split scored as the test set.
      note: What a reader must know about the splits, shown in ``list --datasets``, the run file and the leaderboard.
      citation: Whom to cite.
      sizes: Examples in the train and test splits, for the listing.
      unescape: The source escapes newlines as a backslash and ``n`` and quotes as two quotes (Yelp): undo both.
      local: What ``--data-dir`` may give instead of TensorFlow Datasets (empty: nothing).
    """

    key: str
    name: str
    short_name: str
    tfds_name: str
    text_fields: tuple[str, ...]
    label_names: tuple[str, ...]
    citation: str
    sizes: tuple[int, int]
    label_field: str = "label"
    train_split: str = "train"
    test_split: str = "test"
    note: str = ""
    unescape: bool = False
    local: str = ""

    @property
    def info(self) -> DatasetInfo:
        """What a run file records about this dataset."""
        return DatasetInfo(key=self.key, name=self.name, short_name=self.short_name, label_names=self.label_names, test_split=self.test_split,
                           note=self.note, citation=self.citation, text_column="+".join(self.text_fields),
                           label_column=self.label_field)

    @property
    def splits(self) -> str:
        """The splits used, in words: ``train 25,000 / test 25,000``; a split other than ``test`` says it is the test
        set."""
        as_test = "" if self.test_split == "test" else " (as test)"
        return f"{self.train_split} {self.sizes[0]:,} / {self.test_split} {self.sizes[1]:,}{as_test}"


IMDB = DatasetSpec(
    key="imdb", name="IMDb movie reviews", short_name="IMDb", tfds_name="imdb_reviews", text_fields=("text",),
    label_names=("negative", "positive"), sizes=(25_000, 25_000),
    citation="Maas et al. 2011, Learning Word Vectors for Sentiment Analysis (ACL 2011)",
    local="an aclImdb folder or aclImdb_v1.tar.gz")
SST2 = DatasetSpec(
    key="sst2", name="SST-2 (GLUE) movie-review sentences", short_name="SST-2",
    tfds_name="glue/sst2", text_fields=("sentence",),
    label_names=("negative", "positive"), sizes=(67_349, 872), test_split="validation",
    note="GLUE's test labels are hidden, so GLUE's validation split (872 sentences) is the test set here",
    citation="Socher et al. 2013, Recursive Deep Models for Semantic Compositionality Over a Sentiment Treebank "
             "(EMNLP 2013); Wang et al. 2018, GLUE (arXiv:1804.07461)")
YELP_POLARITY = DatasetSpec(
    key="yelp_polarity", name="Yelp reviews, polarity", short_name="Yelp polarity",
    tfds_name="yelp_polarity_reviews", text_fields=("text",),
    label_names=("negative", "positive"), sizes=(560_000, 38_000), unescape=True, citation=ZHANG_2015,
    note="1-2 stars negative, 3-4 stars positive (the builder names the classes 1 and 2)")
AG_NEWS = DatasetSpec(
    key="ag_news", name="AG News topics", short_name="AG News", tfds_name="ag_news_subset", text_fields=("title", "description"),
    label_names=("World", "Sports", "Business", "Sci/Tech"), sizes=(120_000, 7_600), citation=ZHANG_2015,
    note="text = title and description")

DATASETS: dict[str, DatasetSpec] = {spec.key: spec for spec in (IMDB, SST2, YELP_POLARITY, AG_NEWS)}
DEFAULT_DATASET = IMDB.key
IMDB_INFO = IMDB.info


def get_dataset(key: str) -> DatasetSpec:
    """The registry entry ``key``, or a UsageError naming the closest keys."""
    if key in DATASETS:
        return DATASETS[key]
    raise unknown_name("dataset", key, DATASETS, f"built in: {', '.join(DATASETS)} (`python -m benchmark list "
                       "--datasets`); or give a .csv, .jsonl or .parquet file, or a folder with train and test files")

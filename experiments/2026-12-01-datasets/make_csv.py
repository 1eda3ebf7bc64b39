"""Write the reviews of the aclImdb archive as CSV files, for `run --dataset FILE_OR_FOLDER`:

- ``imdb_kaggle/{train,test}.csv``: Kaggle's ``IMDB Dataset.csv`` layout (``review,sentiment`` with ``positive`` /
  ``negative``, HTML line breaks left in), split as the archive is (train/ and test/), so that runs on it can be
  compared with runs on the archive itself;
- ``IMDB Dataset.csv``: all 50,000 reviews in one file, as Kaggle ships it (no split: ``run`` carves its test split);
- ``imdb_ratings4/{train,test}.csv``: the same reviews with four classes from the star rating each reviewer gave
  (the number after the underscore in the file name): ``1-2``, ``3-4``, ``7-8``, ``9-10`` (IMDb has no 5 or 6).

    python experiments/2026-12-01-datasets/make_csv.py ../shared/data/aclImdb_labeled.tar.gz /tmp/imdb_csv
"""

from __future__ import annotations

import csv
import sys
import tarfile
from pathlib import Path

BANDS = {1: "1-2", 2: "1-2", 3: "3-4", 4: "3-4", 7: "7-8", 8: "7-8", 9: "9-10", 10: "9-10"}


def reviews(archive: Path):
    """``(split, folder, rating, text)`` of every labelled review in the archive, in the archive's order."""
    with tarfile.open(archive) as tar:
        for member in tar:
            parts = member.name.split("/")
            if member.isfile() and len(parts) >= 3 and parts[-1].endswith(".txt") and parts[-2] in ("pos", "neg"):
                data = tar.extractfile(member).read()
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    text = data.decode("latin-1")  # as the aclImdb loader reads such a file
                yield parts[-3], parts[-2], int(parts[-1][:-4].split("_")[1]), text


def main(archive: Path, out: Path) -> None:
    files, writers = [], {}
    for kind, header in (("imdb_kaggle", ("review", "sentiment")), ("imdb_ratings4", ("review", "rating"))):
        (out / kind).mkdir(parents=True, exist_ok=True)
        for split in ("train", "test"):
            handle = (out / kind / f"{split}.csv").open("w", newline="", encoding="utf-8")
            files.append(handle)
            writers[kind, split] = csv.writer(handle)
            writers[kind, split].writerow(header)
    single = (out / "IMDB Dataset.csv").open("w", newline="", encoding="utf-8")
    files.append(single)
    writers["single"] = csv.writer(single)
    writers["single"].writerow(("review", "sentiment"))
    counts: dict[tuple[str, str], int] = {}
    for split, folder, rating, text in reviews(archive):
        writers["imdb_kaggle", split].writerow([text, "positive" if folder == "pos" else "negative"])
        writers["single"].writerow([text, "positive" if folder == "pos" else "negative"])
        writers["imdb_ratings4", split].writerow([text, BANDS[rating]])
        counts[split, BANDS[rating]] = counts.get((split, BANDS[rating]), 0) + 1
    for handle in files:
        handle.close()
    print("reviews per rating band:", dict(sorted(counts.items())))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

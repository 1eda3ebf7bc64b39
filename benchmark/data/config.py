"""Which reviews a run uses: the data part of its configuration."""

from __future__ import annotations

import dataclasses

from benchmark.core.errors import UsageError


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """The reviews a run trains, validates and tests on; ``None`` means all of a split.

    Args:
      seed: Seeds data subsets, the validation split, shuffling and weight initialisation.
      train_samples: Balanced subset of the training split (validation carved from it); all if ``None``.
      test_samples: Balanced subset of the test split; all if ``None``.
      validation_fraction: Share of the training reviews held out for validation.
    """

    seed: int = 42
    train_samples: int | None = None
    test_samples: int | None = None
    validation_fraction: float = 0.2

    def validate(self) -> None:
        """Raise a UsageError naming the first setting that cannot work."""
        for name in ("train_samples", "test_samples"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise UsageError(f"--{name.replace('_', '-')} must be a positive number of reviews, got {value}")
        if not 0.0 <= self.validation_fraction < 1.0:
            raise UsageError(f"--validation-fraction must be in [0, 1), got {self.validation_fraction}")

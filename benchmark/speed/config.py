"""What ``bench`` measures: the pipelines' names, one measurement's config, and the options of a whole run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from benchmark.core.errors import UsageError
from benchmark.core.paths import DEFAULT_MODELS, DEFAULT_RESULTS
from benchmark.speed.suite_split import SUITE_EPOCHS
from benchmark.training.config import RunConfig
from benchmark.training.precision import AUTO, resolve_precision

TUTORIAL, PLAIN, OURS, HF = "tutorial", "tokenize-once", "this project", "hugging face"
OURS_INT8 = "this project, int8 inference"  # opt-in: run --inference tflite-int8


@dataclasses.dataclass(frozen=True)
class BenchConfig:
    """What ``bench`` measures and how.

    Args:
      seq_length: Tokens per review.
      batch_size: Reviews per step, the same for every pipeline.
      samples: Reviews taken from each of train and test (balanced, seeded) to feed the timed steps.
      steps: Timed steps per round and pipeline.
      rounds: Timed rounds; pipelines take turns in every round and the medians are reported.
      warmup_steps: Untimed steps per pipeline first (tracing, compilation, caches).
      bucketing: Length bucketing in this project's pipeline (``run``'s default unless set).
      truncation: ``head`` or ``head_tail`` in this project's pipeline (``run``'s default unless set).
      precision: Keras precision policy of this project's pipeline, resolved (the natively rebuilt encoder unless
        float32 was asked for explicitly; ``auto`` rebuilds it in float32 too).
      jit_compile: XLA for this project's pipeline (native encoder only).
      steps_per_execution: Keras steps per ``tf.function`` call in this project's pipeline.
      accuracy_samples: Training reviews for the accuracy check of the tutorial and fast pipelines (0: skip).
      seed: Seeds subsets, order and initialisation.
      epochs: Epochs assumed by the full-suite GPU estimate.
    """

    seq_length: int = 128
    batch_size: int = 32
    samples: int = 1024
    steps: int = 4
    rounds: int = 3
    warmup_steps: int = 4
    bucketing: bool = RunConfig.bucketing
    truncation: str = RunConfig.truncation
    precision: str = "float32"
    jit_compile: bool = RunConfig.jit_compile
    steps_per_execution: int = RunConfig.steps_per_execution
    accuracy_samples: int = 0
    seed: int = 42
    epochs: int = SUITE_EPOCHS

    def run_config(self) -> RunConfig:
        """The ``run`` configuration this project's pipeline trains with: these settings, the rest ``run``'s
        defaults."""
        default = RunConfig.precision  # auto: run's fallback to the hub layer where a rebuild cannot work
        precision = default if self.precision == resolve_precision(default) else self.precision
        return RunConfig(seq_length=self.seq_length, batch_size=self.batch_size, seed=self.seed,
                         bucketing=self.bucketing, truncation=self.truncation, precision=precision,
                         jit_compile=self.jit_compile, steps_per_execution=self.steps_per_execution)

    def opt_ins(self) -> list[str]:
        """How this project's pipeline differs from ``run`` with its default options (empty: it is that run)."""
        default = RunConfig()
        differences = [f"{name.replace('_', '-')} {getattr(self, name)}" for name in
                       ("bucketing", "truncation", "jit_compile", "steps_per_execution")
                       if getattr(self, name) != getattr(default, name)]
        if self.precision != resolve_precision(default.precision):
            differences.append(f"precision {self.precision}")
        return differences

    def validate(self) -> None:
        """Raise a UsageError naming the first setting that cannot work."""
        for name in ("seq_length", "batch_size", "samples", "steps", "rounds", "steps_per_execution"):
            if getattr(self, name) <= 0:
                raise UsageError(f"--{name.replace('_', '-')} must be positive, got {getattr(self, name)}")
        if not 3 <= self.seq_length <= 512:
            raise UsageError(f"--seq-length must be in [3, 512], got {self.seq_length}")
        if self.steps % self.steps_per_execution:
            raise UsageError(f"--steps {self.steps} must be a multiple of --steps-per-execution "
                             f"{self.steps_per_execution}")
        if self.samples < self.batch_size:
            raise UsageError(f"--samples {self.samples} must be at least --batch-size {self.batch_size}")


@dataclasses.dataclass(frozen=True)
class BenchOptions:
    """A whole ``bench`` run: which encoder, where its data and weights come from, and the measurements.

    Args:
      model: Encoder key (registered or imported into ``models_dir``).
      seq_lengths: One measurement per length, in turn.
      batch_sizes: One for all lengths, or one per length.
      hugging_face: Also time the Hugging Face PyTorch loop (where it is installed).
      keras3: Also time KerasHub's backbone of the architecture in Keras 3, and this project's pipeline, each with
        XLA off and on (:mod:`benchmark.speed.keras3_pipelines`).
      standins, vocab, models_dir: A stand-in instead of the published weights, as ``run`` builds it.
      data_dir, offline, hub_mirror: Where IMDb and the encoder come from, as for ``run``.
      output: Folder for bench.md and bench.json.
      The other fields are :class:`BenchConfig`'s, for every length (``precision`` may be ``auto``).
    """

    model: str
    seq_lengths: tuple[int, ...] = (BenchConfig.seq_length,)
    batch_sizes: tuple[int, ...] = (BenchConfig.batch_size,)
    samples: int = BenchConfig.samples
    steps: int = BenchConfig.steps
    rounds: int = BenchConfig.rounds
    warmup_steps: int = BenchConfig.warmup_steps
    bucketing: bool = BenchConfig.bucketing
    truncation: str = BenchConfig.truncation
    precision: str = RunConfig.precision
    jit_compile: bool = BenchConfig.jit_compile
    steps_per_execution: int = BenchConfig.steps_per_execution
    accuracy_samples: int = BenchConfig.accuracy_samples
    seed: int = BenchConfig.seed
    epochs: int = BenchConfig.epochs
    hugging_face: bool = True
    keras3: bool = False
    standins: bool = False
    vocab: Path | None = None
    models_dir: Path = DEFAULT_MODELS
    data_dir: Path | None = None
    offline: bool = False
    hub_mirror: str | None = None
    output: Path = DEFAULT_RESULTS


def configs_for(options: BenchOptions) -> list[BenchConfig]:
    """One validated config per requested sequence length (the accuracy check at the first)."""
    lengths, batches = list(options.seq_lengths), list(options.batch_sizes)
    if len(batches) == 1:
        batches *= len(lengths)
    if len(batches) != len(lengths):
        raise UsageError(f"--batch-size takes one value or one per --seq-length ({len(lengths)}), got {len(batches)}")
    if options.accuracy_samples < 0:
        raise UsageError(f"--accuracy-samples must be 0 or more, got {options.accuracy_samples}")
    precision = resolve_precision(options.precision)
    configs = []
    for index, (seq_length, batch_size) in enumerate(zip(lengths, batches)):
        config = BenchConfig(seq_length=seq_length, batch_size=batch_size, samples=options.samples,
                             steps=options.steps, rounds=options.rounds, warmup_steps=options.warmup_steps,
                             bucketing=options.bucketing, truncation=options.truncation, precision=precision,
                             jit_compile=options.jit_compile, steps_per_execution=options.steps_per_execution,
                             accuracy_samples=options.accuracy_samples if index == 0 else 0,
                             seed=options.seed, epochs=options.epochs)
        config.validate()
        configs.append(config)
    return configs

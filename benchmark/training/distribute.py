"""Chooses the tf.distribute strategy a run trains under: one code path from a laptop to TPU pods."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from typing import Any

from benchmark.core.errors import UsageError

log = logging.getLogger(__name__)

STRATEGIES = ("auto", "default", "mirrored", "tpu", "multiworker")
# Environment variables that say a TPU is attached (Cloud TPU VMs, Colab, GKE). Without one of them,
# `auto` does not probe for a TPU: the resolver would otherwise query a metadata server and wait.
TPU_HINTS = ("TPU_NAME", "COLAB_TPU_ADDR", "TPU_ACCELERATOR_TYPE", "KUBE_GOOGLE_CLOUD_TPU_ENDPOINTS")


@dataclasses.dataclass(frozen=True)
class Distribution:
    """The strategy a run uses and what it spans.

    Args:
      strategy: The tf.distribute strategy object.
      name: Which of STRATEGIES was resolved (``auto`` never appears here).
      devices: Devices that hold a replica on this worker.
      workers: Worker processes in the cluster (1 unless ``multiworker``).
      is_chief: Whether this process writes results (only one worker of a cluster does).
    """

    strategy: Any
    name: str
    devices: tuple[str, ...]
    workers: int = 1
    is_chief: bool = True

    @property
    def replicas(self) -> int:
        return int(self.strategy.num_replicas_in_sync)

    def global_batch_size(self, per_replica: int) -> int:
        """Reviews per optimizer step: the per-replica batch times the replicas in sync."""
        return per_replica * self.replicas

    def describe(self) -> dict[str, Any]:
        return {"strategy": self.name, "strategy_class": type(self.strategy).__name__,
                "replicas": self.replicas, "workers": self.workers, "devices": list(self.devices)}


def split_cpu(replicas: int) -> None:
    """Expose the CPU as ``replicas`` logical devices, to exercise multi-device code without GPUs."""
    import tensorflow as tf

    if replicas <= 1:
        return
    (cpu,) = tf.config.list_physical_devices("CPU")[:1]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * replicas)


def _tpu_hinted() -> bool:
    return any(os.environ.get(name) for name in TPU_HINTS)


def _tpu_strategy():
    import tensorflow as tf

    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=os.environ.get("TPU_NAME", ""))
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        raise UsageError(f"--strategy tpu: no TPU could be reached ({str(error).splitlines()[0][:160]}); "
                         "run on a TPU VM or Colab TPU runtime, or use --strategy auto") from None
    return tf.distribute.TPUStrategy(resolver)


def _tf_config() -> dict[str, Any]:
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise UsageError("--strategy multiworker needs the TF_CONFIG environment variable "
                         '(e.g. {"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}})')
    try:
        config = json.loads(raw)
        workers = config["cluster"]["worker"]
        task = config["task"]
        assert isinstance(workers, list) and task["type"] in ("worker", "chief")
    except (ValueError, KeyError, TypeError, AssertionError):
        raise UsageError("TF_CONFIG is not valid: it needs cluster.worker (a list of host:port) and "
                         "task {type: worker, index: N}") from None
    return config


def expected_replicas(name: str, cpu_replicas: int = 1) -> int | None:
    """The replicas :func:`choose_strategy` would give, without creating a strategy; None where only a TPU
    system or a cluster can tell (``tpu``, ``multiworker``)."""
    if name == "default":
        return 1
    if name in ("tpu", "multiworker") or (name == "auto" and _tpu_hinted()):
        return None
    import tensorflow as tf

    gpus = len(tf.config.list_physical_devices("GPU"))  # counts devices without claiming their memory
    if name == "mirrored" or (name == "auto" and (gpus > 1 or cpu_replicas > 1)):
        return gpus or cpu_replicas
    return 1


def choose_strategy(name: str = "auto", cpu_replicas: int = 1) -> Distribution:
    """Create the strategy ``name`` names; call before any other TensorFlow work in the process."""
    if name not in STRATEGIES:
        raise UsageError(f"--strategy must be one of {', '.join(STRATEGIES)}, got {name!r}")
    if cpu_replicas < 1:
        raise UsageError(f"--cpu-replicas must be at least 1, got {cpu_replicas}")
    import tensorflow as tf

    if name == "multiworker":
        config = _tf_config()
        split_cpu(cpu_replicas)
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        task = config["task"]
        is_chief = task["type"] == "chief" or ("chief" not in config["cluster"] and task.get("index", 0) == 0)
        workers = len(config["cluster"]["worker"]) + len(config["cluster"].get("chief", []))
        return Distribution(strategy, name, tuple(strategy.extended.worker_devices), workers, is_chief)
    if name == "tpu" or (name == "auto" and _tpu_hinted()):
        strategy = _tpu_strategy()
        return Distribution(strategy, "tpu", tuple(strategy.extended.worker_devices))
    split_cpu(cpu_replicas)
    gpus = [device.name for device in tf.config.list_logical_devices("GPU")]
    cpus = [device.name for device in tf.config.list_logical_devices("CPU")]
    if name == "mirrored" or (name == "auto" and (len(gpus) > 1 or cpu_replicas > 1)):
        devices = gpus or cpus
        return Distribution(tf.distribute.MirroredStrategy(devices), "mirrored", tuple(devices))
    return Distribution(tf.distribute.get_strategy(), "default", tuple((gpus or cpus)[:1]))

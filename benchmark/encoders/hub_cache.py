"""TF-Hub handles on this machine: the mirror they download from, the cache they land in, offline lookups.

Every encoder and preprocessor handle goes through :func:`locate` before it is loaded. A URL handle is fetched
by tensorflow_hub's own resolver (``hub.resolve``: HTTP with ``?tf-hub-format=compressed``, ``TFHUB_CACHE_DIR``,
lock files, atomic rename). With ``TFHUB_BENCH_HUB_MIRROR`` set (``--hub-mirror``), tfhub.dev handles download
from that mirror instead, through the same resolver and into the same cache entry as the handle itself, so a
cache filled from a mirror serves runs without one and the reverse. With ``TFHUB_BENCH_OFFLINE=1`` (``--offline``)
nothing is downloaded, and a handle missing from the cache is a one-line error that names the ``fetch`` command to
run where there is internet.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import socket
from pathlib import Path

from benchmark.core.errors import UsageError
from benchmark.core.processes import process_alive
from benchmark.encoders.presets import keys_using

TFHUB_PREFIX = "https://tfhub.dev/"
MIRROR_ENV = "TFHUB_BENCH_HUB_MIRROR"
OFFLINE_ENV = "TFHUB_BENCH_OFFLINE"
CACHE_ENV = "TFHUB_CACHE_DIR"  # tensorflow_hub's own setting
# tensorflow_hub caches in the system's temporary folder unless told otherwise; a benchmark fetched on a login node
# and run later on compute nodes needs a cache that survives a reboot.
DEFAULT_CACHE = Path("~/.cache/tfhub_modules")
SAVED_MODEL_FILES = ("saved_model.pb", "variables/variables.index")


@dataclasses.dataclass(frozen=True)
class Located:
    """Where a handle was found on this machine.

    Args:
      handle: The handle as the registry (or the user) gave it.
      folder: The SavedModel folder that is loaded.
      origin: ``local folder``, ``TF-Hub cache``, or ``downloaded from <address>`` (by this process).
    """

    handle: str
    folder: Path
    origin: str

    @property
    def in_cache(self) -> bool:
        return self.origin != LOCAL


LOCAL = "local folder"
CACHE = "TF-Hub cache"
_downloaded: dict[str, str] = {}  # handle -> address, for what this process downloaded


def is_remote(handle: str) -> bool:
    return handle.startswith(("http://", "https://"))


def use_default_cache() -> None:
    """Point ``TFHUB_CACHE_DIR`` at :data:`DEFAULT_CACHE` unless the user chose a cache (inherited by children)."""
    os.environ.setdefault(CACHE_ENV, str(DEFAULT_CACHE.expanduser()))


def configure(offline: bool | None = None, mirror: str | None = None) -> None:
    """Set this process's (and its children's) offline mode and mirror, as ``--offline``/``--hub-mirror`` ask."""
    use_default_cache()
    if offline:
        os.environ[OFFLINE_ENV] = "1"
    if mirror:
        if not is_remote(mirror):
            raise UsageError(f"--hub-mirror must be an http:// or https:// address, got {mirror!r}")
        os.environ[MIRROR_ENV] = mirror


def offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").lower() in ("1", "true", "yes")


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()


def download_url(handle: str) -> str:
    """The address ``handle`` downloads from: a tfhub.dev handle moves to the mirror when one is set."""
    mirror = os.environ.get(MIRROR_ENV, "").rstrip("/")
    if mirror and handle.startswith(TFHUB_PREFIX):
        return f"{mirror}/{handle[len(TFHUB_PREFIX):]}"
    return handle


def cache_folder(handle: str) -> Path:
    """Where tensorflow_hub's compressed-file resolver keeps the module of ``handle``."""
    return cache_root() / hashlib.sha1(handle.encode("utf8")).hexdigest()


def missing_parts(folder: Path) -> list[str]:
    """The SavedModel files that ``folder`` lacks (empty for a whole SavedModel)."""
    return [name for name in SAVED_MODEL_FILES if not (folder / name).is_file()]


def cached(handle: str) -> Path | None:
    """The cached folder of ``handle`` (however it was downloaded), if any: what tensorflow_hub would reuse."""
    folder = cache_folder(handle)
    return folder if folder.is_dir() and any(folder.iterdir()) else None


def _use_mirror() -> None:
    """Register (once) a resolver that downloads tfhub.dev handles from the mirror: tensorflow_hub's own
    compressed-file resolver with only the download address changed, so the cache entry, lock files and
    extraction are exactly those of the handle (tensorflow_hub tries the resolver registered last first)."""
    from tensorflow_hub import registry
    from tensorflow_hub.compressed_module_resolver import HttpCompressedFileResolver

    class MirroredResolver(HttpCompressedFileResolver):
        def is_supported(self, handle: str) -> bool:
            return download_url(handle) != handle and super().is_supported(handle)

        def _append_compressed_format_query(self, handle: str) -> str:
            return super()._append_compressed_format_query(download_url(handle))

    resolvers = registry.resolver
    if not any(type(impl).__name__ == "MirroredResolver" for impl in resolvers._impls):
        resolvers.add_implementation(MirroredResolver())


def fetch_hint(handle: str, key: str | None = None) -> str:
    """The ``fetch`` command that downloads ``handle``: for model ``key``, else for a registry model using it."""
    key = key or next(iter(keys_using(handle)), None)
    return f"python -m benchmark fetch --model {key}" if key else "python -m benchmark fetch --all"


def damaged(what: str, folder: Path, reason: str, handle: str, key: str | None = None) -> UsageError:
    return UsageError(f"the cached {what} in {folder} is damaged ({reason}): run `{fetch_hint(handle, key)}` "
                      "to download it again")


def clear_abandoned_download(handle: str) -> bool:
    """Remove the lock file and partial folder of a download of ``handle`` whose process died (on this host).

    tensorflow_hub waits up to ten minutes for another process's lock to show progress; a lock left by a killed
    process would make every later run wait that long. Returns whether anything was removed.
    """
    folder = cache_folder(handle)
    lock = Path(f"{folder}.lock")
    try:
        host, pid, task = lock.read_text().rsplit(".", 2)
    except (OSError, ValueError):
        return False
    if host != socket.gethostname() or process_alive(int(pid) if pid.isdigit() else -1):
        return False
    shutil.rmtree(f"{folder}.{task}.tmp", ignore_errors=True)
    lock.unlink(missing_ok=True)
    return True


def locate(handle: str, what: str, key: str | None = None) -> Located:
    """The local SavedModel folder of ``handle``, downloading it through tensorflow_hub unless offline (errors name
    the ``fetch`` command for model ``key``)."""
    if not is_remote(handle):
        folder = Path(handle).expanduser()
        if not folder.exists():
            raise UsageError(f"cannot load {what} {handle}: no such folder")
        return Located(handle, folder, LOCAL)
    url = download_url(handle)
    folder = cached(handle)
    if folder is not None:
        if missing := missing_parts(folder):
            raise damaged(what, folder, f"no {', '.join(missing)}", handle, key)
        return Located(handle, folder, f"downloaded from {_downloaded[handle]}" if handle in _downloaded else CACHE)
    if offline():
        raise UsageError(
            f"{what} {handle} is not in the TF-Hub cache {cache_root()} and --offline downloads nothing: run "
            f"`{fetch_hint(handle, key)}` where there is internet (with the same TFHUB_CACHE_DIR), or use --standins "
            "for random-weight stand-ins")
    clear_abandoned_download(handle)
    import tensorflow_hub as hub

    if url != handle:
        _use_mirror()
    try:
        folder = Path(hub.resolve(handle))
    except Exception as error:  # noqa: BLE001 - network, HTTP and archive errors all end here
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        raise UsageError(
            f"cannot download {what} {url} ({reason}): run `{fetch_hint(handle, key)}` where there is internet and "
            "then `run --offline`, or use --standins for random-weight stand-ins") from None
    _downloaded[handle] = url
    return Located(handle, folder, f"downloaded from {url}")


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())


def fingerprint(folder: Path) -> str:
    """TensorFlow's SavedModel fingerprint ("singleprint") of ``folder``, computed when the file has none.

    Older SavedModels (most published on TF-Hub) have no ``fingerprint.pb``; TensorFlow computes the same
    fingerprint from the files. Where that is not possible, the SHA-256 of every file, in path order.
    """
    import tensorflow as tf

    try:
        return tf.saved_model.experimental.read_fingerprint(str(folder)).singleprint()
    except Exception:  # noqa: BLE001 - no fingerprint.pb (older SavedModels) or a reader error: compute it
        pass
    try:
        from tensorflow.core.protobuf import fingerprint_pb2
        from tensorflow.python.saved_model.pywrap_saved_model import fingerprinting

        proto = fingerprint_pb2.FingerprintDef.FromString(fingerprinting.CreateFingerprintDef(str(folder)))
        return tf.saved_model.experimental.Fingerprint.from_proto(proto).singleprint()
    except Exception:  # noqa: BLE001 - a private API: fall back to hashing the files
        digest = hashlib.sha256()
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
        return f"sha256:{digest.hexdigest()}"


def provenance(located: Located) -> dict[str, str]:
    """What a run file records of where an encoder or preprocessor came from."""
    return {"handle": located.handle, "folder": str(located.folder), "origin": located.origin,
            "fingerprint": fingerprint(located.folder)}

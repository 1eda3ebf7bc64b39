"""A quiet start: TensorFlow's start-up noise on a machine without a GPU is hidden, every other line still shows."""

import os
import warnings

import pytest

from benchmark.core import quiet

NOISE = ("2026-12-06 20:15:10.941556: E external/local_xla/xla/stream_executor/cuda/cuda_platform.cc:51] failed call "
         "to cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)\n")
ABSL = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
REAL = "2026-12-06 20:15:11.000000: E tensorflow/core/framework/op_kernel.cc:1] a real error\n"


@pytest.fixture
def cpu_only_default(monkeypatch):
    """This process as a user's on a machine without a GPU, the log level chosen by the package."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    monkeypatch.setenv(quiet.QUIET_ENV, "1")


def write_fd2(*lines: str) -> None:
    for line in lines:
        os.write(2, line.encode())


def test_startup_noise_is_hidden_and_real_lines_kept_in_order(cpu_only_default, capfd):
    with quiet.startup_noise_hidden():
        write_fd2(ABSL, NOISE, REAL, "second real line\n")
    assert capfd.readouterr().err == REAL + "second real line\n"


def test_verbose_and_a_users_own_log_level_show_everything(cpu_only_default, capfd, monkeypatch):
    quiet.set_verbose()  # what --verbose does (monkeypatch restores both variables)
    assert os.environ[quiet.TF_LOG_ENV] == "0" and not quiet.start_quietly()
    with quiet.startup_noise_hidden():
        write_fd2(NOISE, REAL)
    assert capfd.readouterr().err == NOISE + REAL
    monkeypatch.delenv(quiet.QUIET_ENV)  # the user set TF_CPP_MIN_LOG_LEVEL: the package chose nothing
    assert not quiet.start_quietly()


def test_with_a_gpu_visible_a_failing_cuinit_is_a_real_error(monkeypatch, tmp_path):
    monkeypatch.setenv(quiet.QUIET_ENV, "1")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    monkeypatch.setattr(quiet, "Path", lambda _: tmp_path)  # a /dev with a GPU's device node
    (tmp_path / "nvidia0").touch()
    assert not quiet.cpu_only() and not quiet.start_quietly()
    (tmp_path / "nvidia0").unlink()
    assert quiet.cpu_only()


def test_the_default_log_level_is_the_packages_only_when_the_user_set_none(monkeypatch):
    monkeypatch.delenv(quiet.TF_LOG_ENV, raising=False)
    monkeypatch.delenv(quiet.QUIET_ENV, raising=False)
    quiet.choose_default_log_level()
    assert (os.environ[quiet.TF_LOG_ENV], os.environ[quiet.QUIET_ENV]) == ("2", "1")
    monkeypatch.setenv(quiet.TF_LOG_ENV, "1")
    monkeypatch.delenv(quiet.QUIET_ENV)
    quiet.choose_default_log_level()
    assert os.environ[quiet.TF_LOG_ENV] == "1" and quiet.QUIET_ENV not in os.environ


def test_the_pkg_resources_warning_is_filtered_and_other_warnings_are_not(cpu_only_default):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet.hide_python_noise()
        warnings.warn("pkg_resources is deprecated as an API. See https://setuptools.pypa.io", UserWarning)
        warnings.warn("a real warning", UserWarning)
    assert [str(w.message) for w in caught] == ["a real warning"]

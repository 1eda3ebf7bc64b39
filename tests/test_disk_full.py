"""A really full disk: the report fails with one line and leaves the previous leaderboard whole.

The disk is a 4 MiB tmpfs mounted in a private mount namespace (``unshare``), so nothing outside the test sees
it. Where mounting is not permitted, the simulated ``OSError`` of
``tests/test_report.py::test_failed_write_keeps_previous_leaderboard`` is what remains; under CI the
real one is required.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.leaderboard.write import write_leaderboard
from benchmark.records.run import write_run
from test_report import make_run

REPO = Path(__file__).resolve().parent.parent

CHECK = r"""
import json, os, subprocess, sys
disk, prepared, report = sys.argv[1:4]
subprocess.run(["cp", "-a", prepared + "/.", disk], check=True)
with open(os.path.join(disk, "filler"), "wb", buffering=0) as filler:  # fill the disk to the last byte
    for chunk in (65536, 1):
        try:
            while True:
                filler.write(b"\0" * chunk)
        except OSError:
            pass
result = subprocess.run([sys.executable, "-m", "benchmark", "report", "--output", os.path.join(disk, "out")],
                        capture_output=True, text=True)
out = os.path.join(disk, "out")
files = {}
for folder, _, names in os.walk(out):
    for name in names:
        path = os.path.join(folder, name)
        files[os.path.relpath(path, out)] = open(path, "rb").read().hex()
json.dump({"returncode": result.returncode, "stderr": result.stderr, "files": files}, open(report, "w"))
"""


def _private_tmpfs_works(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    target = tmp_path / "probe"
    target.mkdir()
    probe = subprocess.run(["unshare", "-rm", "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(target)],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.slow
def test_full_disk_keeps_the_previous_leaderboard_whole_and_says_so_in_one_line(tmp_path):
    if not _private_tmpfs_works(tmp_path):
        if os.environ.get("CI"):
            pytest.fail("CI must be able to mount a private tmpfs (unshare -rm mount -t tmpfs) for this test")
        pytest.skip("no private tmpfs here (unshare/mount not permitted); the simulated OSError test covers the writer")
    prepared = tmp_path / "prepared"
    write_run(make_run("a", 0.9), prepared / "out")
    write_leaderboard(prepared / "out")
    write_run(make_run("b", 0.95), prepared / "out")  # a new run: the report would change the leaderboard
    before = {str(p.relative_to(prepared / "out")): p.read_bytes().hex()
              for p in (prepared / "out").rglob("*") if p.is_file()}
    disk, report = tmp_path / "disk", tmp_path / "report.json"
    disk.mkdir()
    check = tmp_path / "check.py"
    check.write_text(CHECK)
    script = " ".join(["mount -t tmpfs -o size=4m tmpfs", shlex.quote(str(disk)), "&&",
                       *map(shlex.quote, [sys.executable, str(check), str(disk), str(prepared), str(report)])])
    env = dict(os.environ, PYTHONPATH=str(REPO))
    subprocess.run(["unshare", "-rm", "sh", "-c", script], check=True, env=env, timeout=300)

    outcome = json.loads(report.read_text())
    assert outcome["returncode"] == 1
    lines = outcome["stderr"].strip().splitlines()
    assert lines[-1].startswith("error: cannot write ") and "No space left on device" in lines[-1], lines
    assert "Traceback" not in outcome["stderr"]
    assert outcome["files"] == before  # every earlier file byte for byte, and no temporary file left beside them

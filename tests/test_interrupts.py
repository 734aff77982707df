"""Ctrl-C and SIGTERM leave no temporary EPUB behind, workers included, and a killed build's
leftovers are removed by the next build (issue 15, item 7)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from booklet.pipeline import BuildOptions, build
from tests.conftest import REPO, make_root


def _root(tmp_path):
    """Both shipped booklets and two copies: enough work to be caught in the middle of it."""
    root = tmp_path / "root"
    for name in ("chapters", "images", "templates"):
        shutil.copytree(REPO / name, root / name)
    for slug in ("gluteus-medius", "quadratus-lumborum"):
        for kind in ("chapters", "images"):
            shutil.copytree(root / kind / slug, root / kind / f"{slug}-copy")
    return root


def _temporaries(out):
    return sorted(p.name for p in out.glob(".*.tmp")) if out.is_dir() else []


@pytest.mark.parametrize("how", ["SIGINT to the group", "SIGTERM to the main process"])
def test_interrupt_leaves_no_temporary_file(tmp_path, how):
    root, out = _root(tmp_path), tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "booklet", "build", "--root", str(root), "--out", str(out),
               "-j", "2", "--no-cache"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while not _temporaries(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the build ended before a temporary EPUB was seen"
    if how.startswith("SIGINT"):
        os.killpg(proc.pid, signal.SIGINT)      # what Ctrl-C in a terminal does
    else:
        proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert "Can't close the ZIP file" not in err and "Traceback" not in err, err
    assert _temporaries(out) == []


def test_stale_temporary_is_removed_by_the_next_build(tmp_path):
    root = make_root(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    (out / f".demo.{dead}.abcd1234.epub.tmp").write_bytes(b"half an EPUB")
    (out / ".demo.k3j4h5.epub.tmp").write_bytes(b"from an older booklet")
    alive = out / f".demo.{os.getpid()}.zz.epub.tmp"      # a build in this process, still running
    alive.write_bytes(b"being written")
    build(BuildOptions(root=root, out=out, validate=False))
    assert _temporaries(out) == [alive.name]

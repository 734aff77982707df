"""The command line: exit codes and the exact text of its messages."""
from __future__ import annotations

import subprocess
import sys
import zipfile

from booklet.cli import main
from tests.conftest import REPO, make_root


def test_build_small_booklet(tmp_path, capsys):
    root = make_root(tmp_path, {"01-one.md": "# One\n\nHello.\n"})
    assert main(["build", "--root", str(root), "--no-validate"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["booklet", "chapters", "figures", "size", "validation", "time"]
    assert lines[1].split()[:3] == ["demo", "1", "0"] and "skipped" in lines[1]
    assert lines[2] == f"built {root / 'dist' / 'demo.epub'}"
    with zipfile.ZipFile(root / "dist" / "demo.epub") as archive:
        assert "EPUB/chapter-01.xhtml" in archive.namelist()


def test_unknown_slug(tmp_path, capsys):
    root = make_root(tmp_path, {"01-one.md": "# One\n"})
    assert main(["build", "nope", "--root", str(root), "--no-validate"]) == 1
    err = capsys.readouterr().err
    assert err == ("failed nope\n" f"error: {root / 'chapters' / 'nope'}: no booklet named 'nope' "
                   "(expected chapters/nope/booklet.toml; available: demo)\n"
                   "failed nope: 1 error(s)\n")


def test_no_chapters_folder(tmp_path, capsys):
    assert main(["build", "--root", str(tmp_path), "--no-validate"]) == 1
    assert capsys.readouterr().err == (
        f"error: {tmp_path}: no chapters/ folder here (run from a booklet root or pass --root; "
        "`booklet new SLUG` makes one)\n")


def test_all_errors_reported_no_traceback(tmp_path):
    root = make_root(tmp_path, {"01-one.md": "# One\n\n![](missing.png)\n\n![x](gone.png)\n",
                                "02-two.md": ""})
    proc = subprocess.run([sys.executable, "-m", "booklet", "build", "--root", str(root), "--no-validate"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    chapters = root / "chapters" / "demo"
    assert proc.stderr.splitlines() == [
        "failed demo",
        f"error: {chapters / '02-two.md'}:1: the chapter is empty (start it with a '# Title' line)",
        f"error: {chapters / '01-one.md'}:3: file 'missing.png' not found "
        "(looked in chapters/demo/ and images/demo/)",
        f"error: {chapters / '01-one.md'}:5: file 'gone.png' not found (looked in chapters/demo/ and images/demo/)",
        "failed demo: 3 error(s)",
    ]


def test_errors_in_several_chapters(tmp_path, capsys):
    root = make_root(tmp_path, {"01-one.md": "# One\n\n![](missing.png)\n", "02-two.md": "# Two\n\n![x](gone.png)\n"})
    assert main(["build", "--root", str(root), "--no-validate"]) == 1
    chapters = root / "chapters" / "demo"
    assert capsys.readouterr().err.splitlines() == [
        "failed demo",
        f"error: {chapters / '01-one.md'}:3: file 'missing.png' not found "
        "(looked in chapters/demo/ and images/demo/)",
        f"error: {chapters / '02-two.md'}:3: file 'gone.png' not found (looked in chapters/demo/ and images/demo/)",
        "failed demo: 2 error(s)",
    ]


def test_version_and_help():
    proc = subprocess.run([sys.executable, "-m", "booklet", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("booklet ")
    proc = subprocess.run([sys.executable, "-m", "booklet"], capture_output=True, text=True)
    assert proc.returncode == 2 and "build" in proc.stdout

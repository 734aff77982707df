"""A build never leaves a corrupt EPUB and never loses a good one.

The pipeline writes each EPUB to a temporary file in the output folder and renames it
into place only once it is complete (and validated): a failed, interrupted or concurrent
build leaves either the previous file or a new complete one, and no temporary file.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

import booklet.package.epub
import booklet.pipeline
from booklet.cli import main
from booklet.errors import ValidationError
from tests.conftest import REPO, make_root

CHAPTERS = {"01-one.md": "# One\n\nHello, *world*.\n\n## Part\n\nMore text.\n",
            "02-two.md": "# Two\n\nSee [one](01-one.md#part).\n"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.endswith(".tmp") or p.name.startswith("."))


def assert_complete_epub(path: Path) -> None:
    """A valid zip whose every entry reads back (CRC checked), mimetype first."""
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist()[0] == "mimetype"
        assert archive.read("mimetype") == b"application/epub+zip"
        assert archive.testzip() is None
        for name in archive.namelist():
            archive.read(name)
        assert "EPUB/content.opf" in archive.namelist()


@pytest.fixture
def built(tmp_path, capsys):
    """A booklet built once, good: (root, out, epub, sha256)."""
    root = make_root(tmp_path, CHAPTERS)
    out = tmp_path / "out"
    assert main(["build", "--root", str(root), "--out", str(out), "--no-validate"]) == 0
    capsys.readouterr()
    epub = out / "demo.epub"
    assert_complete_epub(epub)
    return root, out, epub, sha256(epub)


def test_failed_rebuild_keeps_previous_epub(built, capsys):
    root, out, epub, before = built
    (root / "chapters" / "demo" / "02-two.md").write_text("# Two\n\n<div><p>unclosed</div>\n", encoding="utf-8")
    assert main(["build", "--root", str(root), "--out", str(out), "--no-validate"]) == 1
    assert "raw HTML is not well-formed XML" in capsys.readouterr().err
    assert sha256(epub) == before
    assert leftovers(out) == []


def test_broken_config_keeps_previous_epub(built, capsys):
    root, out, epub, before = built
    (root / "chapters" / "demo" / "booklet.toml").write_text('[booklet]\ntitle = "Demo\n', encoding="utf-8")
    assert main(["build", "--root", str(root), "--out", str(out), "--no-validate"]) == 1
    assert "invalid TOML" in capsys.readouterr().err
    assert sha256(epub) == before
    assert leftovers(out) == []


def test_failed_validation_keeps_previous_epub(built, monkeypatch, capsys):
    """An EPUB that EPUBCheck rejects is never renamed into place (EPUBCheck itself stubbed)."""
    root, out, epub, before = built
    (root / "chapters" / "demo" / "01-one.md").write_text("# One\n\nChanged.\n", encoding="utf-8")

    def reject(results, strict, *rest):
        for result in results:
            assert result.epub.is_file() and result.epub != epub     # checked before the rename
            assert_complete_epub(result.epub)
            result.errors.append(ValidationError("EPUBCheck RSC-005: stubbed failure",
                                                 "chapters/demo/01-one.md", 3, code="RSC-005"))
            result.validation = "failed"

    monkeypatch.setattr(booklet.pipeline, "_validate", reject)
    assert main(["build", "--root", str(root), "--out", str(out), "--no-cache"]) == 1
    assert "EPUBCheck RSC-005: stubbed failure" in capsys.readouterr().err
    assert sha256(epub) == before
    assert leftovers(out) == []


def test_interrupted_write_keeps_previous_epub(built, monkeypatch, capsys):
    root, out, epub, before = built
    (root / "chapters" / "demo" / "01-one.md").write_text("# One\n\nChanged.\n", encoding="utf-8")
    real_write = booklet.package.epub.write_epub

    def interrupted(rendered, path):
        real_write(rendered, path)
        with open(path, "r+b") as handle:     # half a file, then Ctrl-C
            handle.truncate(os.path.getsize(path) // 2)
        raise KeyboardInterrupt

    monkeypatch.setattr(booklet.package.epub, "write_epub", interrupted)
    assert main(["build", "--root", str(root), "--out", str(out), "--no-validate", "--no-cache"]) == 130
    assert sha256(epub) == before
    assert leftovers(out) == []


def test_good_rebuild_replaces_epub_atomically(built, capsys):
    root, out, epub, before = built
    (root / "chapters" / "demo" / "01-one.md").write_text("# One\n\nChanged.\n", encoding="utf-8")
    assert main(["build", "--root", str(root), "--out", str(out), "--no-validate"]) == 0
    assert sha256(epub) != before
    assert_complete_epub(epub)
    assert oct(epub.stat().st_mode & 0o777) == oct(0o644)
    assert leftovers(out) == []


def test_concurrent_builds_in_threads(tmp_path):
    """Two builds at once into one folder, several rounds: always a complete EPUB."""
    roots = [make_root(tmp_path / name, {**CHAPTERS, "03-x.md": f"# {name}\n\n{name * 200}\n"})
             for name in ("a", "b")]
    out = tmp_path / "out"
    errors: list[BaseException] = []

    def one(root: Path) -> None:
        try:
            results = booklet.pipeline.build(booklet.pipeline.BuildOptions(
                root=root, out=out, validate=False, cache=False))
            assert all(r.ok for r in results), [str(e) for r in results for e in r.errors]
        except BaseException as exc:     # noqa: BLE001 - handed to the main thread
            errors.append(exc)

    for _ in range(4):
        threads = [threading.Thread(target=one, args=(root,)) for root in roots]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert_complete_epub(out / "demo.epub")
        assert leftovers(out) == []


def test_concurrent_builds_in_processes(tmp_path):
    """Two ``python -m booklet build`` processes into one folder: a complete EPUB, no temp file."""
    roots = [make_root(tmp_path / name, {**CHAPTERS, "03-x.md": f"# {name}\n\n{name * 200}\n"})
             for name in ("a", "b")]
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    for _ in range(2):
        procs = [subprocess.Popen([sys.executable, "-m", "booklet", "build", "--root", str(root), "--out", str(out),
                                   "--no-validate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for root in roots]
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 0, stderr
            assert "Traceback" not in stderr
        assert_complete_epub(out / "demo.epub")
        assert leftovers(out) == []
        with zipfile.ZipFile(out / "demo.epub") as archive:
            text = archive.read("EPUB/chapter-03.xhtml").decode("utf-8")
        assert ("a" * 200 in text) != ("b" * 200 in text)      # one build's file, whole, not a mix


def test_concurrent_builds_of_one_root(tmp_path):
    """The same root built twice at once (sharing its build cache): both succeed, one whole EPUB."""
    root = make_root(tmp_path, CHAPTERS)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    for _ in range(2):
        procs = [subprocess.Popen([sys.executable, "-m", "booklet", "build", "--root", str(root), "--out", str(out),
                                   "--no-validate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(3)]
        for proc in procs:
            _, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 0, stderr
        assert_complete_epub(out / "demo.epub")
        assert leftovers(out) == []
        (root / "chapters" / "demo" / "01-one.md").write_text("# One\n\nChanged.\n", encoding="utf-8")

"""The build core keeps its promises inside one long-running process and across runs
(issue 14): an edited template is rebuilt, --strict sees the warnings of a reused booklet,
and the cache holds data only."""
from __future__ import annotations

import os
import shutil
import zipfile

import pytest

from booklet.cli import main
from booklet.pipeline import BuildOptions, build
from tests.conftest import REPO, make_root

CHAPTER = {"01-one.md": "# One\n\nSome text.\n"}
#: A booklet.toml with an unknown key: a warning, not an error.
WARNED = '[booklet]\ntitle = "Demo"\nauthor = "A. Author"\nlanguage = "en"\nsubtitel = "typo"\n'


def _age(root, seconds=120):
    """Date every source file back, so that the stamps trust them (not in the build's clock tick)."""
    import time

    past = time.time_ns() - seconds * 1_000_000_000
    for path in root.rglob("*"):
        if path.is_file() and ".cache" not in path.parts:
            os.utime(path, ns=(past, past))


def test_template_edit_rebuilds_in_the_same_process(tmp_path):
    root = make_root(tmp_path, CHAPTER)
    shutil.copytree(REPO / "templates", root / "templates")
    options = BuildOptions(root=root, out=tmp_path / "out", validate=False, jobs=1)
    build(options)
    style = root / "templates" / "style.css"
    style.write_text(style.read_text(encoding="utf-8") + "\n.edited-in-process { color: red; }\n",
                     encoding="utf-8")
    result, = build(options)
    assert not result.cached
    with zipfile.ZipFile(tmp_path / "out" / "demo.epub") as archive:
        css = next(n for n in archive.namelist() if n.endswith("style.css"))
        assert b".edited-in-process" in archive.read(css)


def _strict_after_plain(tmp_path, capsys, forget_stamps: bool, validate: bool):
    root = make_root(tmp_path, CHAPTER, toml=WARNED)
    _age(root)
    args = ["build", "--root", str(root), "--out", str(tmp_path / "out"), "-j", "1"]
    args += [] if validate else ["--no-validate"]
    assert main(args) == 0
    assert "subtitel" in capsys.readouterr().err
    if forget_stamps:       # the content-hash cache alone must keep the warnings too
        shutil.rmtree(root / ".cache" / "booklet" / "stamps")
    status = main([*args, "--strict"])
    err = capsys.readouterr().err
    return status, err


@pytest.mark.parametrize("forget_stamps", [False, True], ids=["stamps", "content-cache"])
def test_strict_fails_on_warnings_of_a_reused_booklet(tmp_path, capsys, forget_stamps):
    status, err = _strict_after_plain(tmp_path, capsys, forget_stamps, validate=False)
    assert status == 1
    assert "warning:" in err and "unknown key 'booklet.subtitel'" in err
    assert "--strict treats as errors" in err


def test_strict_after_plain_with_validation(tmp_path, capsys):
    status, err = _strict_after_plain(tmp_path, capsys, forget_stamps=False, validate=True)
    assert status == 1 and "unknown key 'booklet.subtitel'" in err


def test_reused_booklet_reports_its_warnings(tmp_path):
    root = make_root(tmp_path, CHAPTER, toml=WARNED)
    _age(root)
    options = BuildOptions(root=root, out=tmp_path / "out", validate=False, jobs=1)
    first, = build(options)
    again, = build(options)
    assert again.cached and again.stamped
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings] != []


HOSTILE = b"cos\nsystem\n(S'touch PWNED'\ntR."      # what an old pickle record could hold


def test_hostile_cache_is_never_run(tmp_path, monkeypatch):
    root = make_root(tmp_path, CHAPTER)
    _age(root)
    options = BuildOptions(root=root, out=tmp_path / "out", validate=False, jobs=1)
    build(options)
    records = [p for p in (root / ".cache").rglob("*") if p.is_file() and "jinja" not in p.parts]
    monkeypatch.chdir(tmp_path)
    for path in records:
        path.write_bytes(HOSTILE)
    result, = build(options)
    assert not (tmp_path / "PWNED").exists()
    assert result.ok and not result.cached
    assert records and all(p.suffix == ".json" for p in records)


def test_corrupt_records_are_rebuilt(tmp_path):
    root = make_root(tmp_path, CHAPTER)
    options = BuildOptions(root=root, out=tmp_path / "out", validate=False, jobs=1)
    build(options)
    clean = (tmp_path / "out" / "demo.epub").read_bytes()
    for path in (root / ".cache").rglob("*.json"):
        path.write_bytes(b'{"$Page": {"href": 1}}\n' if "chapter" in path.parts else b"{not json\n")
    result, = build(options)
    assert result.ok and not result.cached
    assert (tmp_path / "out" / "demo.epub").read_bytes() == clean


def test_records_round_trip():
    from pathlib import Path

    from booklet.errors import Diagnostic
    from booklet.incremental.records import BadRecord, dumps, loads
    from booklet.model import Page, Resource

    value = {"page": Page("a.xhtml", "A", "<x/>", line_map=[(1, 2)], source=Path("a.md")),
             "res": Resource("i.png", "image/png", b"\x89PNG", ("cover-image",)),
             "sets": frozenset({"b", "a"}), "w": [Diagnostic("m", "p", 3)], "$odd": {1: 2}}
    assert loads(dumps(value)) == value
    assert dumps(value).count(b"\x89PNG") == 1            # bytes after the JSON line, not in it
    for bad in (b'{"$Popen": {}}\n', b'{"$Page": {"href": "x"}}\n', b'{"$bytes": "!!"}\n',
                b'{"$bytes": [2, 5]}\nabc', b"\x80\n", b'{"ok": 1}'):
        with pytest.raises(BadRecord):
            loads(bad)


def test_strict_sees_the_figure_warning_of_a_reused_chapter(tmp_path, capsys):
    """A chapter taken from the chapter cache reports its figure's warning again."""
    from tests.test_properties import FIGURE, _png

    figure = FIGURE.replace('label = "Trigger point"', 'label = "Trigger point"\nlabl = "typo"')
    root = make_root(tmp_path, {"01-one.md": '# One\n\n![A body](body.toml "Body")\n',
                                "02-two.md": "# Two\n\nText.\n"},
                     files={"images/demo/body.png": _png((400, 300)),
                            "images/demo/body.toml": figure.encode("utf-8")})
    args = ["build", "--root", str(root), "--out", str(tmp_path / "out"), "-j", "1", "--no-validate"]
    assert main(args) == 0
    assert "labl" in capsys.readouterr().err
    two = root / "chapters" / "demo" / "02-two.md"
    two.write_text("# Two\n\nOther text.\n", encoding="utf-8")     # chapter one is reused
    assert main([*args, "--strict"]) == 1
    err = capsys.readouterr().err
    assert "labl" in err and "--strict treats as errors" in err

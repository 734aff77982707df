"""booklet lint: one bad example per rule with golden output, the shipped booklets clean, and `booklet validate`.

A case is ``tests/cases/lint/<code>[-<what>]/``: ``epub/`` holds files laid over the clean
EPUB in ``_base/epub/``, ``images.toml`` the images to draw into it (no binary files are
kept), ``root/`` + ``sources.toml`` the booklet sources for a source rule, and
``expected.txt`` the golden output (``#`` lines describe the case). Run with
``BOOKLET_SAVE_GOLDEN=1`` to rewrite the golden files from what the lint gives now.
"""
from __future__ import annotations

import difflib
import io
import json
import os
import re
import shutil
import struct
import tomllib
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from booklet.cli import main
from booklet.check.lint import RULES, Sources, finding, lint_epub
from booklet.errors import format_text
from booklet.check.sourcemap import find_source_map, map_findings, write_source_map
from booklet.check.epubcheck import CheckResult, CheckRun, Message, message, source_line
from tests.conftest import REPO

CASES = Path(__file__).resolve().parent / "cases" / "lint"
BASE = CASES / "_base"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "expected.txt").is_file())
SAVE = os.environ.get("BOOKLET_SAVE_GOLDEN") == "1"


def png(width: int, height: int, pad: int = 0) -> bytes:
    """A plain PNG; *pad* bytes of a private ancillary chunk make the file big without more pixels."""
    buffer = io.BytesIO()
    Image.new("P", (width, height), 0).save(buffer, "PNG")
    data = buffer.getvalue()
    if pad:
        chunk = b"ppAd" + bytes(pad)
        extra = struct.pack(">I", pad) + chunk + struct.pack(">I", zlib.crc32(chunk))
        data = data[:-12] + extra + data[-12:]      # before IEND
    return data


def _images(folder: Path) -> dict[str, bytes]:
    spec = folder / "images.toml"
    if not spec.is_file():
        return {}
    entries = tomllib.loads(spec.read_text(encoding="utf-8")).get("image", [])
    return {e["path"]: png(e["width"], e["height"], e.get("pad", 0)) for e in entries}


def case_epub(name: str, out: Path) -> Path:
    """The case's EPUB: the base, the case's files laid over it, its images drawn; mimetype first."""
    files = {p.relative_to(BASE / "epub").as_posix(): p.read_bytes()
             for p in sorted((BASE / "epub").rglob("*")) if p.is_file()}
    files |= _images(BASE)
    folder = CASES / name
    if (folder / "epub").is_dir():
        files |= {p.relative_to(folder / "epub").as_posix(): p.read_bytes()
                  for p in sorted((folder / "epub").rglob("*")) if p.is_file()}
    files |= _images(folder)
    path = out / f"{name}.epub"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), files.pop("mimetype"), compress_type=zipfile.ZIP_STORED)
        for inner, data in files.items():
            archive.writestr(inner, data)
        for inner, data in _raw_entries(folder):
            archive.writestr(inner, data)
    return path


def _raw_entries(folder: Path) -> list[tuple[str, bytes]]:
    """Entries no folder can hold (``../x``, ``/etc/x``, ``a\\b``) or too big to keep: entries.toml."""
    spec = folder / "entries.toml"
    if not spec.is_file():
        return []
    entries = tomllib.loads(spec.read_text(encoding="utf-8")).get("entry", [])
    return [(e["name"], e.get("text", "").encode("utf-8") + bytes(e.get("zeros", 0))) for e in entries]


def case_sources(name: str) -> Sources | None:
    """The case's ``Sources`` (root, slug, what the build used), for a source rule."""
    spec = CASES / name / "sources.toml"
    if not spec.is_file():
        return None
    data = tomllib.loads(spec.read_text(encoding="utf-8"))
    root = CASES / name / "root"
    return Sources(root, data["slug"], frozenset(root / p for p in data.get("figures_used", [])),
                   frozenset(data.get("glossary_used", [])))


def case_lines(name: str, out: Path) -> list[str]:
    """What the lint says of the case, source paths relative to the case's root."""
    sources = case_sources(name)
    findings = lint_epub(case_epub(name, out), sources)
    if sources is not None:
        findings = [replace(f, path=Path(f.path).relative_to(sources.root).as_posix())
                    if f.container is None and f.path else f for f in findings]
    return [format_text(replace(f, container=None)) for f in findings]


def golden(name: str) -> tuple[list[str], list[str]]:
    """(comment lines, expected lines) of the case's expected.txt."""
    lines = (CASES / name / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [x for x in lines if x.startswith("#")], [x for x in lines if x.strip() and not x.startswith("#")]


def test_base_epub_is_clean(tmp_path):
    """The EPUB every case starts from gives no finding, so a case shows only its own fault."""
    assert [format_text(f) for f in lint_epub(case_epub("_base", tmp_path))] == []


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_gives_golden_output(name, tmp_path):
    got = case_lines(name, tmp_path)
    comments, wanted = golden(name)
    if SAVE:
        (CASES / name / "expected.txt").write_text("\n".join(comments + got) + "\n", encoding="utf-8")
        return
    diff = "\n".join(difflib.unified_diff(wanted, got, "expected.txt", "lint output", lineterm=""))
    assert got == wanted, f"{name}:\n{diff}"


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_shows_its_own_rule(name, tmp_path):
    code = name[:5]
    assert code in RULES, f"case {name} is named after no rule"
    assert any(line.endswith(f"[{code}]") for line in golden(name)[1]), f"case {name} never gives {code}"


def test_every_rule_has_a_case():
    assert sorted(set(RULES) - {name[:5] for name in CASE_NAMES}) == []


def test_codes_are_stable_and_described():
    for code, rule in RULES.items():
        assert code[0] in "cfmsx" and code[1] == "-" and code[2:].isdigit() and len(code) == 5, code
        assert rule.severity in ("error", "warning") and rule.summary


def test_every_finding_names_a_file(tmp_path):
    """Each case's findings name a file (the EPUB's, or the source's); all but two kinds a line."""
    for name in CASE_NAMES:
        sources = case_sources(name)
        for finding in lint_epub(case_epub(name, tmp_path), sources):
            assert finding.path or finding.code == "f-000", (name, finding)


def test_shipped_booklets_give_no_findings(shipped_build, shipped_epubs):
    """Both shipped booklets are clean, the source rules included."""
    for slug, epub in shipped_epubs.items():
        result = shipped_build[slug]
        sources = Sources(REPO, slug, result.made.figures_used, result.made.glossary_used)
        assert [format_text(f) for f in lint_epub(epub, sources)] == [], slug


def test_shipped_build_left_source_maps(shipped_epubs):
    for epub in shipped_epubs.values():
        found = find_source_map(epub, [REPO])
        assert found is not None and found[0] == REPO
        assert any(v["source"].endswith(".md") for v in found[1].values())


def test_a_missing_file_or_a_non_zip_is_one_finding(tmp_path):
    (tmp_path / "not.epub").write_text("plain text", encoding="utf-8")
    for path in (tmp_path / "missing.epub", tmp_path / "not.epub"):
        [finding] = lint_epub(path)
        assert finding.code == "f-000" and finding.severity == "error"


def test_format_finding_forms():
    located = finding("s-001", "error", "no alt", "EPUB/c.xhtml", 12, 5)
    assert format_text(located) == "error: EPUB/c.xhtml:12:5: no alt [s-001]"
    inside = replace(located, container="dist/x.epub")
    assert format_text(inside) == "error: dist/x.epub!EPUB/c.xhtml:12:5: no alt [s-001]"
    [mapped] = map_findings([inside], {"EPUB/c.xhtml": {"source": "chapters/demo/01-intro.md",
                                                        "lines": [[1, 7]]}})
    assert format_text(mapped) == "error: chapters/demo/01-intro.md:7: no alt [s-001]"
    whole = finding("m-001", "warning", "no summary")
    assert format_text(replace(whole, container="x.epub")) == "warning: x.epub: no summary [m-001]"
    assert format_text(whole) == "warning: no summary [m-001]"


def test_map_findings_points_at_markdown_and_keeps_the_rest(tmp_path):
    source_map = {"EPUB/chapter-01.xhtml": {"source": "chapters/demo/01.md", "lines": [[10, 1], [20, 9]]}}
    findings = [finding("s-001", "error", "a", "EPUB/chapter-01.xhtml", 22, container="x.epub"),
                finding("s-001", "error", "b", "EPUB/nav.xhtml", 3, container="x.epub"),
                finding("f-005", "warning", "c", "/r/images/demo/x.toml")]
    mapped = map_findings(findings, source_map, tmp_path)
    assert (mapped[0].path, mapped[0].line, mapped[0].container) == (str(tmp_path / "chapters/demo/01.md"), 9, None)
    assert mapped[1:] == findings[1:]


# --- booklet validate ------------------------------------------------------------------------------

def fake_epubcheck(messages: dict[str, list[Message]]):
    """A stand-in for run_epubcheck giving canned messages by EPUB name, for the output tests."""
    def run(paths):
        run_ = CheckRun(CheckResult(Path(p), [replace(m, container=str(p)) for m in messages.get(Path(p).name, [])],
                                    0.5) for p in paths)
        run_.startup_seconds = 1.0
        return run_
    return run


@pytest.fixture
def no_jvm(monkeypatch):
    import booklet.check.epubcheck

    def install(messages=None):
        monkeypatch.setattr(booklet.check.epubcheck, "run_epubcheck", fake_epubcheck(messages or {}))
    install()
    return install


def test_validate_lines_and_summary(tmp_path, capsys, no_jvm):
    bad = case_epub("s-001", tmp_path)
    no_jvm({"s-001.epub": [message("RSC-005", "ERROR", "bad thing", "EPUB/nav.xhtml", 3, 7),
                           message("OPF-085", "WARNING", "odd id", "EPUB/content.opf", 4),
                           message("CSS-028", "USAGE", "not shown")]})
    assert main(["validate", str(bad), str(case_epub("_base", tmp_path))]) == 1
    out = capsys.readouterr().out.splitlines()
    where = f"{bad}!EPUB/"
    assert out[0] == f"error: {where}nav.xhtml:3:7: bad thing [RSC-005]"
    assert out[1] == f"warning: {where}content.opf:4: odd id [OPF-085]"
    assert out[2].startswith(f"error: {where}chapter-01.xhtml:14: <img src='images/muscle.png'> has no alt")
    assert out[2].endswith("[s-001]")
    assert out[3].startswith(f"{bad}: invalid, 2 errors, 1 warning (EPUBCheck 1.0 s, lint 0.")
    assert out[4].startswith(f"{tmp_path / '_base.epub'}: valid, 0 errors, 0 warnings (EPUBCheck")
    assert len(out) == 5


def test_validate_exit_status_on_warnings_and_strict(tmp_path, capsys, no_jvm):
    warned = case_epub("s-005", tmp_path)
    assert main(["validate", str(warned)]) == 0
    assert main(["validate", "--strict", str(warned)]) == 1
    assert main(["validate", "--strict", str(case_epub("_base", tmp_path))]) == 0


def test_validate_json_is_one_document_with_stable_keys(tmp_path, capsys, no_jvm):
    epub = case_epub("x-002", tmp_path)
    assert main(["validate", "--json", str(epub)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["errors", "warnings", "results"]
    [item] = data["results"]
    assert list(item) == ["epub", "valid", "errors", "warnings", "seconds", "messages"]
    assert list(item["seconds"]) == ["epubcheck", "lint", "ace"] and item["seconds"]["ace"] is None
    assert item["valid"] is False and item["errors"] == data["errors"] > 0
    assert list(item["messages"][0]) == ["path", "line", "col", "severity", "code", "message", "hint", "tool"]
    assert {m["code"] for m in item["messages"]} == {"x-002"}


def test_validate_maps_our_own_epub_to_markdown(shipped_build, shipped_epubs, tmp_path, capsys, no_jvm):
    """A changed copy of a shipped booklet with a source map of its own: findings name the .md line."""
    slug = "gluteus-medius"
    copy = tmp_path / f"{slug}.epub"
    with zipfile.ZipFile(shipped_epubs[slug]) as source, zipfile.ZipFile(copy, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "EPUB/chapter-02.xhtml":
                data = data.replace(b'<img src="images/anatomy.png" alt="', b'<img src="images/anatomy.png" x="')
            target.writestr(info, data)
    root = tmp_path          # validate looks beside the EPUB, among other places
    write_source_map(copy, root, slug, shipped_build[slug].made.source_map)
    assert main(["validate", str(copy)]) == 1
    out = capsys.readouterr().out
    with zipfile.ZipFile(copy) as archive:
        xhtml = archive.read("EPUB/chapter-02.xhtml").decode("utf-8").splitlines()
    at = next(n for n, text in enumerate(xhtml, 1) if '<img src="images/anatomy.png"' in text)
    line = source_line(shipped_build[slug].made.source_map["EPUB/chapter-02.xhtml"]["lines"], at)
    assert f"{root / 'chapters' / slug / '02-anatomy.md'}:{line}: <img src='images/anatomy.png'> has no alt" \
        in out.replace(str(Path.cwd()) + "/", ""), out


def test_validate_with_real_epubcheck(shipped_epubs, tmp_path, capsys):
    """The real EPUBCheck, one JVM: a shipped booklet is valid and a broken case is not."""
    epubs = [str(shipped_epubs["quadratus-lumborum"]), str(case_epub("s-004", tmp_path))]
    assert main(["validate", *epubs]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(line.endswith("[RSC-012]") for line in out), out         # EPUBCheck's broken fragment
    assert any(line.endswith("[s-004]") for line in out), out
    summaries = [line for line in out if " errors, " in line or " error, " in line]
    assert summaries[0].endswith(")") and ": valid, 0 errors, 0 warnings (EPUBCheck" in summaries[0]
    assert ": invalid, " in summaries[1]


def test_validate_needs_an_epub(capsys):
    with pytest.raises(SystemExit):
        main(["validate"])
    assert "EPUB" in capsys.readouterr().err


def test_build_fails_on_a_lint_error_with_the_markdown_line(tmp_path, capsys):
    """The build runs the lint after EPUBCheck: template text left in a page fails the booklet."""
    from tests.conftest import make_root

    root = make_root(tmp_path, {"01-one.md": "# One\n\nHello.\n"})
    templates = root / "templates"
    shutil.copytree(REPO / "templates", templates)
    chapter = templates / "chapter.xhtml.j2"
    leftover = "{{ body }}\n<p>{{ '{{' }} x }}</p>"      # renders as the text {{ x }}
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("{{ body }}", leftover), encoding="utf-8")
    assert main(["build", "--root", str(root), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{root / 'chapters' / 'demo' / '01-one.md'}:3: lint x-002: template text left unrendered" in err, err
    assert not (tmp_path / "out" / "demo.epub").exists()


def test_build_warns_of_an_unused_figure_file_and_strict_fails(tmp_path, capsys):
    """Source rules run in the build: a figure file no chapter uses is a warning, an error with --strict."""
    from tests.conftest import make_root

    root = make_root(tmp_path, {"01-one.md": "# One\n\nHello.\n"},
                     files={"images/demo/stray.toml": b'base = "pelvis.png"\n'})
    out = tmp_path / "out"
    assert main(["build", "--root", str(root), "--out", str(out)]) == 0
    printed = capsys.readouterr()
    err = printed.err
    # The summary counts EPUBCheck's warnings and the lint's together (EPUBCheck has none here).
    assert re.search(r"^demo .* 1 warning\s", printed.out, re.M), printed.out
    stray = root / "images" / "demo" / "stray.toml"
    assert f"warning: {stray}: lint f-005: figure file stray.toml is used in no chapter" in err, err
    assert main(["build", "--root", str(root), "--out", str(out), "--strict", "--no-cache"]) == 1
    assert f"error: {stray}: lint f-005" in capsys.readouterr().err

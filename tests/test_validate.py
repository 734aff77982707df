"""EPUBCheck engine: one JVM for every test EPUB, source mapping, formatting, no-Java handling.

The real EPUBCheck runs once per session (``checked``) over a hand-made valid EPUB 3,
the broken EPUBs kept as source folders in ``tests/cases/epub/<name>/`` (with the
messages they must give in ``expected.txt``), a file that is not a zip and a missing one.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from booklet.errors import EnvironmentProblem
from booklet.check.epubcheck import (CHECKER_CRASHED, CHECKER_TIMEOUT, MISSING_FILE, NO_REPORT, CheckResult,
                              Message, find_java, map_to_source, message, parse_report, run_epubcheck)
from booklet.check.epubcheck.messages import SEVERITY
from booklet.errors import diagnostic_dict, format_text
from booklet.check.epubcheck import engine

CASES = Path(__file__).resolve().parent / "cases" / "epub"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "expected.txt").is_file())

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""
PACKAGE = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="en">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">urn:uuid:0b6f6d0e-6a8e-4c59-9d3c-4f1f7f3c2a11</dc:identifier>
    <dc:title>Gluteus medius</dc:title>
    <dc:language>en</dc:language>
    <meta property="dcterms:modified">2024-05-01T12:00:00Z</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="chapter-01" href="chapter-01.xhtml" media-type="application/xhtml+xml"/>
  </manifest>
  <spine>
    <itemref idref="chapter-01"/>
  </spine>
</package>
"""
NAV = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="en" lang="en">
<head><title>Contents</title></head>
<body>
<nav epub:type="toc" id="toc"><h1>Contents</h1>
<ol><li><a href="chapter-01.xhtml#intro">Introduction</a></li></ol>
</nav>
</body>
</html>
"""
CHAPTER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head><title>Introduction</title></head>
<body>
<h1 id="intro">Introduction</h1>
<p>Trigger points in gluteus medius refer pain to the low back and the hip.</p>
</body>
</html>
"""


def write_valid_epub(path: Path) -> Path:
    """A minimal valid EPUB 3: mimetype stored first, container, package with
    dcterms:modified, navigation document, one chapter."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", CONTAINER)
        archive.writestr("EPUB/package.opf", PACKAGE)
        archive.writestr("EPUB/nav.xhtml", NAV)
        archive.writestr("EPUB/chapter-01.xhtml", CHAPTER)
    return path


def zip_case(folder: Path, path: Path) -> Path:
    """Zip a case's source folder as an EPUB: mimetype stored first, expected.txt left out."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(folder / "mimetype", "mimetype", compress_type=zipfile.ZIP_STORED)
        for file in sorted(folder.rglob("*")):
            name = file.relative_to(folder).as_posix()
            if file.is_file() and name not in ("mimetype", "expected.txt"):
                archive.write(file, name)
    return path


def expected(name: str) -> list[tuple[str, str | None, str | None, int | None]]:
    """``expected.txt``: one ``ID [SEVERITY [path[:line]]]`` a line; ``#`` starts a comment."""
    entries = []
    for raw in (CASES / name / "expected.txt").read_text(encoding="utf-8").splitlines():
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        path, line = None, None
        if len(words) > 2:
            path, _, number = words[2].partition(":")
            line = int(number) if number else None
        entries.append((words[0], words[1] if len(words) > 1 else None, path, line))
    return entries


@pytest.fixture(scope="session")
def checked(tmp_path_factory):
    """ONE run_epubcheck call (one JVM) over every test EPUB; results by name."""
    folder = tmp_path_factory.mktemp("epubs")
    epubs = {"valid": write_valid_epub(folder / "valid.epub")}
    # Named like the build's temporary files, and not ASCII: exercises the .epub alias.
    epubs["renamed"] = shutil.copy(epubs["valid"], folder / ".gluteus-médius.x1y2.epub.tmp")
    for name in CASE_NAMES:
        epubs[name] = zip_case(CASES / name, folder / f"{name}.epub")
    (folder / "not-a-zip.epub").write_text("this is not a zip file\n", encoding="utf-8")
    epubs["not-a-zip"] = folder / "not-a-zip.epub"
    epubs["missing"] = folder / "missing.epub"
    seen: list[CheckResult] = []
    run = run_epubcheck(list(epubs.values()), progress=seen.append)
    return {"run": run, "seen": seen, "epubs": epubs,
            "results": dict(zip(epubs, run))}


def test_one_result_per_epub_in_order_with_times(checked):
    run, epubs = checked["run"], checked["epubs"]
    assert [r.epub for r in run] == [Path(p) for p in epubs.values()]
    assert sorted(map(id, checked["seen"])) == sorted(map(id, run))
    assert all(r.seconds >= 0 for r in run)
    assert run.seconds >= sum(r.seconds for r in run) - 1e-6
    assert run.strategy in ("launcher", "source", "cli")


def test_valid_epub_has_no_errors_or_warnings(checked):
    result = checked["results"]["valid"]
    assert result.errors == [] and result.warnings == [], result.messages
    assert result.valid


def test_epub_not_named_dot_epub_is_checked_as_is(checked):
    result = checked["results"]["renamed"]
    assert result.epub.name.endswith(".epub.tmp")
    assert result.messages == []


@pytest.mark.parametrize("name", CASE_NAMES)
def test_broken_case_gives_expected_messages(checked, name):
    result = checked["results"][name]
    wanted = expected(name)
    reported = result.errors + result.warnings
    assert {m.code for m in reported} == {w[0] for w in wanted}, [format_text(m) for m in reported]
    for ident, severity, path, line in wanted:
        assert any(m.code == ident and (severity is None or SEVERITY[severity] == m.severity) and path in (None, m.path)
                   and line in (None, m.line) for m in reported), (ident, severity, path, line,
                                                                   result.messages)


def test_file_that_is_not_a_zip_gives_messages_not_a_traceback(checked):
    result = checked["results"]["not-a-zip"]
    assert {"PKG-003", "PKG-008"} <= {m.code for m in result.errors}
    assert all(m.path is None for m in result.messages)   # the EPUB itself, not a file inside


def test_missing_file_gives_a_fatal_message(checked):
    result = checked["results"]["missing"]
    assert [(m.code, m.severity) for m in result.messages] == [(MISSING_FILE, "error")]
    assert "could not be found" in format_text(result.messages[0])


def test_real_message_maps_to_markdown(checked):
    result = checked["results"]["malformed-xhtml"]
    sourcemap = {"EPUB/chapter-01.xhtml": {"source": "chapters/gluteus-medius/01-introduction.md",
                                           "lines": [[1, 1], [6, 3], [7, 5]]}}
    [mapped] = map_to_source(result, sourcemap)
    assert (mapped.path, mapped.line) == ("chapters/gluteus-medius/01-introduction.md", 5)
    assert format_text(mapped).startswith(
        "error: chapters/gluteus-medius/01-introduction.md:5: Fatal Error while parsing file")
    assert format_text(mapped).endswith("[RSC-016]")


# --- pure functions -----------------------------------------------------------------------

SOURCEMAP = {
    "EPUB/chapter-01.xhtml": {"source": "chapters/gluteus-medius/01-introduction.md",
                              "lines": [[10, 1], [14, 3], [20, 8]]},
    "EPUB/content.opf": {"source": "chapters/gluteus-medius/booklet.toml"},
}


def msg(path="EPUB/chapter-01.xhtml", line=15, col=4, ident="RSC-005", severity="ERROR", epub="b.epub"):
    return message(ident, severity, "Error while parsing file", path, line, col, epub=epub)


@pytest.mark.parametrize("line, md_line", [(10, 1), (13, 1), (14, 3), (19, 3), (20, 8), (500, 8),
                                           (9, None), (None, None)])
def test_map_to_source_takes_nearest_entry_at_or_before(line, md_line):
    [mapped] = map_to_source([msg(line=line)], SOURCEMAP)
    assert (mapped.path, mapped.line, mapped.container) == ("chapters/gluteus-medius/01-introduction.md",
                                                            md_line, None)


def test_map_to_source_entry_without_lines_and_unmapped_paths():
    messages = [msg("EPUB/content.opf", 3), msg("EPUB/nav.xhtml", 7), msg(None, None, None)]
    mapped = map_to_source(CheckResult(Path("b.epub"), messages), SOURCEMAP)
    assert [(m.path, m.line) for m in mapped] == [
        ("chapters/gluteus-medius/booklet.toml", None), ("EPUB/nav.xhtml", 7), (None, None)]
    assert mapped[1:] == messages[1:]


def test_map_to_source_is_pure():
    original = msg()
    result = CheckResult(Path("b.epub"), [original])
    [mapped] = map_to_source(result, SOURCEMAP)
    assert result.messages == [original] and original.container == "b.epub"
    assert mapped != original
    assert map_to_source(result, {}) == [original]


def test_parse_report_one_message_per_location():
    report = {"messages": [
        {"ID": "RSC-012", "severity": "ERROR", "message": "Fragment identifier is not defined.",
         "locations": [{"path": "EPUB/nav.xhtml", "line": 7, "column": 47},
                       {"path": "EPUB/chapter-01.xhtml", "line": -1, "column": -1}],
         "suggestion": None},
        {"ID": "PKG-008", "severity": "FATAL", "message": "Unable to read file.",
         "locations": [{"path": "./book.epub", "line": -1, "column": -1}], "suggestion": "Zip it."},
        {"ID": "OPF-003", "severity": "USAGE", "message": "Not declared.", "locations": []}]}
    messages = parse_report(json.dumps(report), Path("/tmp/book.epub"))
    assert [(m.code, m.path, m.line, m.col) for m in messages] == [
        ("RSC-012", "EPUB/nav.xhtml", 7, 47), ("RSC-012", "EPUB/chapter-01.xhtml", None, None),
        ("PKG-008", None, None, None), ("OPF-003", None, None, None)]
    result = CheckResult(Path("/tmp/book.epub"), messages)
    assert [m.code for m in result.errors] == ["RSC-012", "RSC-012", "PKG-008"]
    assert result.warnings == []
    assert messages[2].hint == "Zip it." and messages[3].severity == "info"


def test_format_message_forms():
    assert format_text(msg(epub="dist/gm.epub")) == (
        "error: dist/gm.epub!EPUB/chapter-01.xhtml:15:4: Error while parsing file [RSC-005]")
    assert format_text(msg(col=None, epub=None)) == (
        "error: EPUB/chapter-01.xhtml:15: Error while parsing file [RSC-005]")
    assert format_text(msg(severity="WARNING", ident="OPF-053")).startswith("warning: ")
    assert format_text(msg(severity="FATAL", path=None, line=None, epub="gm.epub")) == (
        "error: gm.epub: Error while parsing file [RSC-005]")
    assert format_text(msg(path=None, line=None, epub=None)) == "error: Error while parsing file [RSC-005]"
    [mapped] = map_to_source([msg()], SOURCEMAP)
    assert format_text(mapped) == (
        "error: chapters/gluteus-medius/01-introduction.md:3: Error while parsing file [RSC-005]")
    hinted = replace(msg(), hint="Close the element.")
    assert format_text(hinted).endswith("Error while parsing file (Close the element.) [RSC-005]")


def test_json_key_order_is_stable():
    [mapped] = map_to_source([msg()], SOURCEMAP)
    assert list(diagnostic_dict(mapped)) == ["path", "line", "col", "severity", "code", "message", "hint", "tool"]
    assert diagnostic_dict(msg(epub="gm.epub"))["path"] == "gm.epub!EPUB/chapter-01.xhtml"


# --- Java lookup and the fallback chain, without a real JVM --------------------------------

def test_no_java_at_explicit_path():
    with pytest.raises(EnvironmentProblem) as caught:
        run_epubcheck([Path("book.epub")], java="/nonexistent/bin/java")
    assert caught.value.message == "Java runtime not found: EPUBCheck needs Java 11 or newer"
    assert "apt-get install default-jre-headless" in caught.value.hint
    assert "adoptium.net" in caught.value.hint


def test_no_java_on_java_home_or_path(tmp_path):
    with pytest.raises(EnvironmentProblem, match="Java runtime not found"):
        find_java(env={"JAVA_HOME": str(tmp_path / "nowhere"), "PATH": str(tmp_path)})


def test_empty_list_needs_no_java():
    assert run_epubcheck([], java="/nonexistent/bin/java") == []


posix_only = pytest.mark.skipif(os.name == "nt", reason="fake java is a shell script")


def fake_java(folder: Path, body: str, version: str = "17.0.9") -> Path:
    """A ``bin/java`` shell script: prints *version* for -version, else runs *body*."""
    java = folder / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"""#!/bin/sh
if [ "$1" = "-version" ]; then echo 'openjdk version "{version}" 2024-01-01' >&2; exit 0; fi
{body}
""", encoding="utf-8")
    java.chmod(java.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return java


@posix_only
def test_java_home_comes_before_path(tmp_path):
    java = fake_java(tmp_path, "exit 1")
    assert find_java(env={"JAVA_HOME": str(java.parent.parent), "PATH": "/nonexistent"}) == java


@posix_only
@pytest.mark.parametrize("version, body", [("1.8.0_392", "exit 1"), ("17", None)])
def test_java_too_old_or_broken(tmp_path, version, body):
    java = fake_java(tmp_path, body or "exit 1", version)
    if body is None:   # -version itself fails
        java.write_text("#!/bin/sh\necho 'Unable to locate a Java Runtime.' >&2\nexit 1\n")
    with pytest.raises(EnvironmentProblem, match="Java runtime not found"):
        find_java(java)


@posix_only
def test_chain_falls_through_to_cli_and_never_raises(tmp_path, monkeypatch):
    # No javac, no launcher cache, a "java" that fails at once: every JVM
    # strategy is unavailable and the CLI reports, per EPUB, what java printed.
    java = fake_java(tmp_path, "echo 'Error: module jdk.compiler not found' >&2; exit 1")
    epub = write_valid_epub(tmp_path / "book.epub")
    monkeypatch.setenv("BOOKLET_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("BOOKLET_EPUBCHECK_STRATEGY", raising=False)
    run = run_epubcheck([epub], java=java)
    assert run.strategy == "cli"
    [message] = run[0].messages
    assert (message.code, message.severity) == (NO_REPORT, "error")
    assert "jdk.compiler not found" in message.message


LAUNCHER_FAKE = r"""
out=""; for a in "$@"; do out="$a"; done
i=0
while IFS= read -r epub; do
  case "$epub" in
    *crash*) echo "Exception in thread main: boom" >&2; exit 3 ;;
    *hang*) exec sleep 30 ;;
  esac
  echo '{"messages": []}' > "$out/$i.json"; : > "$out/$i.log"
  echo "BOOKLET-EPUBCHECK $i 1000000 0"
  i=$((i+1))
done < "$out/list.txt"
echo BOOKLET-EPUBCHECK-END
"""


@posix_only
def test_launcher_that_dies_or_hangs_marks_that_epub_and_goes_on(tmp_path, monkeypatch):
    java = fake_java(tmp_path, LAUNCHER_FAKE)
    names = ["a", "crash", "b", "hang", "c"]
    epubs = [write_valid_epub(tmp_path / f"{n}.epub") for n in names]
    monkeypatch.setattr(engine, "STARTUP_ALLOWANCE", 0.0)
    run = run_epubcheck(epubs, java=java, strategy="source", timeout=1.0)
    ids = {n: [m.code for m in r.messages] for n, r in zip(names, run)}
    assert ids == {"a": [], "crash": [CHECKER_CRASHED], "b": [], "hang": [CHECKER_TIMEOUT], "c": []}
    assert "boom" in run[1].messages[0].message
    assert run.strategy == "source"


def test_unknown_strategy_is_a_clean_error(tmp_path):
    with pytest.raises(EnvironmentProblem, match="unknown EPUBCheck strategy"):
        run_epubcheck([tmp_path / "x.epub"], strategy="magic")

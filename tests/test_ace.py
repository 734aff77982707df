"""DAISY Ace: the shipped booklets have no accessibility violations; Ace's report is read and shown.

The real Ace runs once per shipped EPUB in the whole session (``ace_results``). Missing Ace
or Chromium fails these tests rather than skipping them: ``.ci/run`` installs both
(``PUPPETEER_SKIP_DOWNLOAD=1 npm install`` from package.json; Debian's chromium). The
other tests use a stand-in ``ace`` script that writes a canned report.json.
"""
from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

import booklet.check.ace
from booklet.check.ace import parse_report, require_ace, run_ace
from booklet.cli import main
from booklet.errors import EnvironmentProblem
from booklet.errors import format_text
from booklet.check.sourcemap import map_findings
from tests.conftest import REPO
from tests.test_lint import case_epub, no_jvm  # noqa: F401 (a fixture)

REPORT = {
    "earl:result": {"earl:outcome": "fail"},
    "assertions": [
        {"earl:testSubject": {"url": "EPUB/content.opf"}, "assertions": [{
            "earl:result": {"earl:outcome": "fail",
                            "dct:description": "The language must be specified (xml:lang in OPF package)"},
            "earl:test": {"earl:impact": "serious", "dct:title": "epub-lang",
                          "dct:description": "Ensures the OPF XML language is provided"}}]},
        {"earl:testSubject": {"url": "chapter-01.xhtml"}, "assertions": [{
            "earl:result": {"earl:outcome": "fail",
                            "dct:description": "Element should have focusable content\nElement should be focusable",
                            "earl:pointer": {"cfi": ["/4/2/4", "/4/2/8/2"], "css": [".a", ".b"]},
                            "html": "<figure id=\"fig-muscle\">"},
            "earl:test": {"earl:impact": "serious", "dct:title": "scrollable-region-focusable",
                          "dct:description": "Ensure scrollable regions are keyboard accessible"}}]},
        {"earl:testSubject": {"url": "nav.xhtml"}, "assertions": []},
    ],
}


@pytest.fixture(scope="session")
def ace_results(shipped_epubs):
    """The real Ace over both shipped EPUBs: one run per EPUB for the whole session."""
    try:
        require_ace()
    except EnvironmentProblem as exc:
        pytest.fail(f"DAISY Ace cannot run: {exc}")
    slugs = sorted(shipped_epubs)
    return dict(zip(slugs, run_ace([shipped_epubs[s] for s in slugs])))


@pytest.mark.parametrize("slug", ["gluteus-medius", "quadratus-lumborum"])
def test_shipped_booklet_has_no_ace_violations(ace_results, shipped_build, slug):
    result = ace_results[slug]
    found = map_findings(result.findings, shipped_build[slug].made.source_map, REPO)
    assert [format_text(f) for f in found] == []
    assert result.seconds > 0


def test_parse_report_places_violations_by_file_and_cfi(tmp_path):
    epub = case_epub("_base", tmp_path)
    findings = parse_report(REPORT, epub)
    assert [(f.code, f.path, f.line) for f in findings] == [
        ("ace:epub-lang", "EPUB/content.opf", None),
        ("ace:scrollable-region-focusable", "EPUB/chapter-01.xhtml", 11),   # /4/2/4: body, section, 2nd child
        ("ace:scrollable-region-focusable", "EPUB/chapter-01.xhtml", 14)]   # /4/2/8/2: the figure's img
    assert all(f.tool == "ace" and f.severity == "error" for f in findings)
    assert findings[1].message == ("Ensure scrollable regions are keyboard accessible: Element should have "
                                   "focusable content; Element should be focusable (serious) at "
                                   "<figure id=\"fig-muscle\">")


def test_parse_report_without_the_epub_keeps_ace_paths():
    findings = parse_report(REPORT)
    assert [(f.path, f.line) for f in findings] == [("EPUB/content.opf", None), ("chapter-01.xhtml", None),
                                                     ("chapter-01.xhtml", None)]
    assert parse_report({"assertions": []}) == []


def fake_ace(folder: Path, report: dict | None, status: int = 0) -> Path:
    """An ``ace`` that writes *report* to --outdir/report.json (none when None) and records its env."""
    script = folder / "ace"
    script.write_text(f"""#!{sys.executable}
import json, os, sys
args = sys.argv[1:]
out = args[args.index("--outdir") + 1]
os.makedirs(out, exist_ok=True)
with open(os.path.join({str(folder)!r}, "env.txt"), "w") as handle:
    handle.write(os.environ.get("PUPPETEER_EXECUTABLE_PATH", ""))
report = {json.dumps(report)!r}
if report != "null":
    with open(os.path.join(out, "report.json"), "w") as handle:
        handle.write(report)
else:
    print("Error: failed to launch the browser process", file=sys.stderr)
sys.exit({status})
""", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@pytest.fixture
def with_fake_ace(tmp_path, monkeypatch):
    def install(report, status=0):
        monkeypatch.setattr(booklet.check.ace, "find_ace", lambda env=None, near=(): fake_ace(tmp_path, report, status))
        monkeypatch.setenv("PUPPETEER_EXECUTABLE_PATH", sys.executable)   # any executable will do
    return install


def test_validate_a11y_shows_ace_violations(tmp_path, capsys, no_jvm, with_fake_ace):  # noqa: F811
    with_fake_ace(REPORT)
    epub = case_epub("_base", tmp_path)
    assert main(["validate", "--a11y", str(epub)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"error: {epub}!EPUB/content.opf: Ensures the OPF XML language is provided: The language "
                      "must be specified (xml:lang in OPF package) (serious) [ace:epub-lang]")
    assert out[1].startswith(f"error: {epub}!EPUB/chapter-01.xhtml:11: Ensure scrollable")
    assert out[-1].startswith(f"{epub}: invalid, 3 errors, 0 warnings (EPUBCheck ") and ", Ace " in out[-1]
    assert (tmp_path / "env.txt").read_text() == sys.executable


def test_validate_a11y_json_has_ace_seconds(tmp_path, capsys, no_jvm, with_fake_ace):  # noqa: F811
    with_fake_ace({"assertions": []})
    assert main(["validate", "--a11y", "--json", str(case_epub("_base", tmp_path))]) == 0
    [item] = json.loads(capsys.readouterr().out)["results"]
    assert item["valid"] and item["seconds"]["ace"] is not None and item["messages"] == []


def test_ace_that_fails_is_a_finding_not_a_crash(tmp_path, with_fake_ace):
    with_fake_ace(None, status=1)
    [result] = run_ace([case_epub("_base", tmp_path)])
    [finding] = result.findings
    assert finding.code == "ace:failed" and "failed to launch the browser" in finding.message
    [missing] = run_ace([tmp_path / "missing.epub"])
    assert [f.code for f in missing.findings] == ["ace:missing"]


def test_validate_a11y_without_ace_says_how_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(booklet.check.ace, "find_ace", lambda env=None, near=(): None)
    assert main(["validate", "--a11y", str(case_epub("_base", tmp_path))]) == 1
    err = capsys.readouterr().err
    assert "DAISY Ace is not installed" in err and "PUPPETEER_SKIP_DOWNLOAD=1 npm install @daisy/ace-cli" in err


def test_missing_chromium_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(booklet.check.ace, "find_ace", lambda env=None, near=(): fake_ace(tmp_path, {}))
    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=str(tmp_path / "no-chromium"))
    with pytest.raises(EnvironmentProblem) as caught:
        require_ace(env)
    assert "apt-get install -y chromium" in str(caught.value)


def test_ace_is_pinned_in_package_json():
    package = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    version = package["devDependencies"]["@daisy/ace-cli"]
    assert version[0].isdigit(), "pin an exact version, not a range"

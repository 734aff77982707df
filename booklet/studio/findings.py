"""Findings for the studio's panel: EPUBCheck in its warm JVM, then the lint, placed on source lines."""
from __future__ import annotations

from pathlib import Path

from booklet.errors import BookletError, Diagnostic


def check_booklet(studio, slug: str, epub: Path, result) -> tuple[list[dict], str | None]:
    """EPUBCheck's and the lint's findings on *epub*; and why EPUBCheck could not run, if it could not."""
    findings, problem = [], None
    try:
        findings += epubcheck_findings(studio, epub, result.made.source_map)
    except BookletError as exc:
        problem = f"EPUBCheck did not run: {exc}"
    findings += lint_findings(studio.root, slug, epub, result)
    return findings, problem


def epubcheck_findings(studio, epub: Path, source_map: dict) -> list[dict]:
    from booklet.check.epubcheck import map_to_source
    from booklet.check.epubcheck.warm import WarmChecker

    if studio.checker is None:
        studio.checker = WarmChecker()
    messages = map_to_source(studio.checker.check(epub), source_map)
    return [finding("EPUBCheck", m) for m in messages if m.is_error or m.is_warning]


def lint_findings(root: Path, slug: str, epub: Path, result) -> list[dict]:
    from booklet.check.lint import Sources, lint_epub
    from booklet.check.sourcemap import map_findings

    sources = Sources(root, slug, result.made.figures_used, result.made.glossary_used)
    found = map_findings(lint_epub(epub, sources), result.made.source_map, root)
    return [finding("lint", f) for f in found if f.is_error or f.is_warning]


def finding(tool: str, found: Diagnostic) -> dict:
    """One row of the panel: where in the booklet's own files when known, else inside the EPUB."""
    # A diagnostic mapped to the source has no container; one still inside the EPUB keeps it.
    source = None if found.container or found.path is None else str(found.path)
    where = source or (f"EPUB!{found.path}" if found.path else "EPUB")
    if found.line:
        where += f":{found.line}"
    return {"tool": tool, "code": found.code, "severity": found.severity, "message": found.message,
            "where": where, "source": source, "line": found.line}

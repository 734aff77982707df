"""Findings for the studio's panel: EPUBCheck in its warm JVM, then the lint, placed on source lines."""
from __future__ import annotations

from pathlib import Path

from booklet.errors import BookletError


def check_booklet(studio, slug: str, epub: Path, result) -> tuple[list[dict], str | None]:
    """EPUBCheck's and the lint's findings on *epub*; and why EPUBCheck could not run, if it could not."""
    findings, problem = [], None
    try:
        findings += epubcheck_findings(studio, epub, result.source_map)
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
    return [finding("EPUBCheck", m.id, "error" if m.is_error else m.severity.lower(), m.message,
                    m.source_path, m.source_line, m.path, m.line)
            for m in messages if m.severity in ("FATAL", "ERROR", "WARNING")]


def lint_findings(root: Path, slug: str, epub: Path, result) -> list[dict]:
    from booklet.check.lint import Sources, lint_epub
    from booklet.check.lint.sourcemap import map_findings

    sources = Sources(root, slug, result.figures_used, result.glossary_used)
    found = map_findings(lint_epub(epub, sources), result.source_map, root)
    return [finding("lint", f.code, "error" if f.is_error else "warning", f.message,
                    f.source_path, f.source_line, f.path, f.line) for f in found]


def finding(tool: str, code: str, severity: str, message: str, source: str | None, source_line: int | None,
            inner: str | None, inner_line: int | None) -> dict:
    """One row of the panel: where in the booklet's own files when known, else inside the EPUB."""
    where = source or (f"EPUB!{inner}" if inner else "EPUB")
    line = source_line if source else inner_line
    if line:
        where += f":{line}"
    return {"tool": tool, "code": code, "severity": severity, "message": message, "where": where,
            "source": source, "line": line}

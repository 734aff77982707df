"""booklet lint: checks EPUBCheck does not make, each with a stable code (see ``RULES``).

Codes by category, as Standard Ebooks' ``se lint`` has them: ``c-`` CSS, ``f-`` files,
``m-`` metadata, ``s-`` semantics, ``x-`` XHTML. EPUB rules work on any EPUB; source
rules (figure files, glossary, encoding) run only when a build passes its ``Sources``.
"""
from __future__ import annotations

from pathlib import Path

from booklet.check.lint import css, files, metadata, semantics, xhtml  # noqa: F401 (importing registers the rules)
from booklet.check.lint.epub import Epub, NotAnEpub
from booklet.check.lint.model import ERROR, RULES, WARNING, Finding, finding, rule, sort_key
from booklet.check.lint.sources import Sources  # and the source rules

__all__ = ["ERROR", "RULES", "WARNING", "Finding", "Sources", "finding", "lint_epub"]


@rule("f-000", ERROR, "not a readable EPUB (zip, container or package document)")
def _unreadable(epub: Epub):
    return ()   # lint_epub reports it: there is no Epub to give a rule


def lint_epub(path: Path | str, sources: Sources | None = None) -> list[Finding]:
    """Run every rule over the EPUB at *path* (and the source rules when *sources* is given)."""
    try:
        epub = Epub(path)
    except NotAnEpub as exc:
        return [finding("f-000", ERROR, f"not a readable EPUB: {exc}", container=str(path))]
    findings = []
    for check in RULES.values():
        if not check.source:
            findings.extend(check.run(epub, str(path)))
        elif sources is not None:
            findings.extend(check.run(sources))
    return sorted(findings, key=sort_key)

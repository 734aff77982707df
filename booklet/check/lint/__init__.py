"""booklet lint: checks EPUBCheck does not make, each with a stable code (see ``RULES``).

Codes by category, as Standard Ebooks' ``se lint`` has them: ``c-`` CSS, ``f-`` files,
``m-`` metadata, ``s-`` semantics, ``x-`` XHTML. EPUB rules work on any EPUB; source
rules (figure files, glossary, encoding) run only when a build passes its ``Sources``.
"""
from __future__ import annotations

from pathlib import Path

from booklet.check.lint import css, files, metadata, semantics, xhtml  # noqa: F401 (importing registers the rules)
from booklet.check.lint.epub import Epub
from booklet.epubfile import EpubFile, NotAnEpub, UnsafeArchive
from booklet.check.lint.model import ERROR, RULES, WARNING, Finding, finding, rule, sort_key
from booklet.check.lint.sources import Sources  # and the source rules

__all__ = ["ERROR", "RULES", "WARNING", "Finding", "Sources", "finding", "lint_epub"]


@rule("f-000", ERROR, "not a readable EPUB (zip, container or package document)")
def _unreadable(epub: Epub):
    return ()   # lint_epub reports it: there is no Epub to give a rule


@rule("f-007", ERROR, "archive entry named to leave the folder it is unpacked in, or colliding with another")
def _unsafe_names(epub: Epub):
    return ()   # lint_epub reports it, from booklet.epubfile's check, before any entry is read


@rule("f-008", ERROR, "archive entry too large or too compressed (a decompression bomb)")
def _unsafe_sizes(epub: Epub):
    return ()   # as f-007


def lint_epub(path: Path | str, sources: Sources | None = None) -> list[Finding]:
    """Run every rule over the EPUB at *path* (and the source rules when *sources* is given)."""
    try:
        book = EpubFile(path)
    except UnsafeArchive as exc:
        return [finding("f-007" if p.kind == "name" else "f-008", ERROR, p.message, path=p.entry or None,
                        container=str(path)) for p in exc.problems]
    except NotAnEpub as exc:
        return [finding("f-000", ERROR, f"not a readable EPUB: {exc.message}", container=str(path))]
    with book:
        try:
            return sorted(_run_rules(Epub(book), path, sources), key=sort_key)
        except NotAnEpub as exc:       # an entry that fails its CRC, found while a rule reads it
            return [finding("f-000", ERROR, f"not a readable EPUB: {exc.message}", container=str(path))]


def _run_rules(epub: Epub, path: Path | str, sources: Sources | None) -> list[Finding]:
    findings = []
    for check in RULES.values():
        if not check.source:
            findings.extend(check.run(epub, str(path)))
        elif sources is not None:
            findings.extend(check.run(sources))
    return findings

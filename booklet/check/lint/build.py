"""The lint as a build step: findings on a newly built EPUB become the booklet's errors and warnings."""
from __future__ import annotations

import time
from pathlib import Path

from booklet.errors import BookletError, Diagnostic, ValidationError
from booklet.check.lint import Sources, lint_epub
from booklet.check.sourcemap import map_findings

LABELS = {"epubcheck": "EPUBCheck", "lint": "lint"}


def for_build(found: Diagnostic, slug: str, strict: bool) -> BookletError | Diagnostic:
    """A checker's finding as the build reports it: named after its tool, placed at its
    Markdown line when mapped, else in ``<slug>.epub`` (not the temporary file checked);
    an error (with *strict*, a warning too) becomes a ValidationError."""
    text = f"{LABELS.get(found.tool, found.tool)} {found.code}: {found.message}"
    path = found.path
    if found.container is not None:
        path = f"{slug}.epub!{found.path}" if found.path else f"{slug}.epub"
    if found.is_error or strict:
        return ValidationError(text, path, found.line, code=found.code)
    return Diagnostic(text, path, found.line, code=found.code)


def record(result, found: list[Diagnostic], strict: bool) -> int:
    """Add *found* to *result*'s errors and warnings; return how many fail the booklet."""
    failing = 0
    for diagnostic in found:
        item = for_build(diagnostic, result.slug, strict)
        if isinstance(item, BookletError):
            failing += 1
            result.errors.append(item)
        else:
            result.warnings.append(item)
    return failing


def lint_build(result, root: Path | None, strict: bool = False) -> tuple[int, int]:
    """Lint *result*'s EPUB (a ``BookletResult``) and record what it finds; return the numbers
    of findings that fail the booklet and of those that only warn."""
    started = time.perf_counter()
    sources = Sources(root, result.slug, result.made.figures_used, result.made.glossary_used) if root else None
    findings = map_findings(lint_epub(result.epub, sources), result.made.source_map, root)
    failing = record(result, findings, strict)
    result.seconds += time.perf_counter() - started
    return failing, len(findings) - failing

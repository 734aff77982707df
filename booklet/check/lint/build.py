"""The lint as a build step: findings on a newly built EPUB become the booklet's errors and warnings."""
from __future__ import annotations

import time
from pathlib import Path

from booklet.errors import Problem, ValidationError
from booklet.check.lint import Sources, lint_epub
from booklet.check.lint.sourcemap import map_findings


def lint_build(result, root: Path | None, strict: bool = False) -> tuple[int, int]:
    """Lint *result*'s EPUB (a ``BookletResult``) and record what it finds; return the numbers
    of findings that fail the booklet and of those that only warn.

    Errors (and, with *strict*, warnings) go to ``result.errors``, the rest to
    ``result.warnings``, each placed on its Markdown line where the source map knows it.
    """
    started = time.perf_counter()
    sources = Sources(root, result.slug, result.figures_used, result.glossary_used) if root else None
    findings = map_findings(lint_epub(result.epub, sources), result.source_map, root)
    failing = 0
    for finding in findings:
        where = finding.source_path or (f"{result.slug}.epub!{finding.path}" if finding.path
                                        else f"{result.slug}.epub")
        line = finding.source_line if finding.source_path else finding.line
        text = f"lint {finding.code}: {finding.message}"
        if finding.is_error or strict:
            failing += 1
            result.errors.append(ValidationError(text, where, line, code=finding.code))
        else:
            result.warnings.append(Problem(text, where, line, code=finding.code))
    result.seconds += time.perf_counter() - started
    return failing, len(findings) - failing

"""The lint as a build step: findings on a newly built EPUB become the booklet's errors and warnings."""
from __future__ import annotations

import re
import time
from pathlib import Path

from booklet.errors import Problem, ValidationError
from booklet.lint import Sources, lint_epub
from booklet.lint.sourcemap import map_findings


def lint_build(result, root: Path | None, strict: bool = False) -> bool:
    """Lint *result*'s EPUB (a ``BookletResult``) and record what it finds; True when the booklet fails.

    Errors (and, with *strict*, warnings) go to ``result.errors``, the rest to
    ``result.warnings``, each placed on its Markdown line where the source map knows it.
    """
    started = time.perf_counter()
    sources = Sources(root, result.slug, result.figures_used, result.glossary_used) if root else None
    findings = map_findings(lint_epub(result.epub, sources), result.source_map, root)
    failing = [f for f in findings if f.is_error or strict]
    for finding in findings:
        where = finding.source_path or (f"{result.slug}.epub!{finding.path}" if finding.path
                                        else f"{result.slug}.epub")
        line = finding.source_line if finding.source_path else finding.line
        text = f"lint {finding.code}: {finding.message}"
        if finding in failing:
            result.errors.append(ValidationError(text, where, line, code=finding.code))
        else:
            result.warnings.append(Problem(text, where, line, code=finding.code))
    result.seconds += time.perf_counter() - started
    _status(result, len(failing), len(findings) - len(failing))
    return bool(failing)


def _status(result, failing: int, warnings: int) -> None:
    """Fold the lint's counts into the summary table's validation column."""
    if failing:
        result.validation = "failed"
    elif warnings:
        counted = re.fullmatch(r"(\d+) warnings", result.validation or "")
        before = int(counted.group(1)) if counted else 0
        if counted or result.validation == "valid":
            result.validation = f"{before + warnings} warnings"

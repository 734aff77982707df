"""The build, top to bottom: read → render → package → validate → put in place."""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from booklet.errors import BookletError, BuildErrors, Report, ValidationError
from booklet.model import RenderedBooklet
from booklet.package import write_epub
from booklet.reader import find_slugs, read_booklet
from booklet.render import render_booklet


@dataclass
class BuildOptions:
    root: Path
    out: Path
    slugs: list[str] = field(default_factory=list)
    validate: bool = True
    strict: bool = False


@dataclass
class BookletResult:
    """What one booklet's build gave: the numbers shown in the summary table."""

    slug: str
    epub: Path | None = None
    chapters: int = 0
    figures: int = 0
    size: int = 0
    validation: str = "skipped"
    seconds: float = 0.0
    errors: list[BookletError] = field(default_factory=list)
    warnings: list = field(default_factory=list)
    rendered: RenderedBooklet | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def build(options: BuildOptions) -> list[BookletResult]:
    """Build the chosen booklets; a failed booklet never replaces its previous EPUB."""
    root = options.root.resolve()
    slugs = options.slugs or find_slugs(root)
    if not slugs:
        raise BookletError("no booklets found", root / "chapters",
                           hint="each booklet is a folder chapters/<slug>/ with a booklet.toml")
    options.out.mkdir(parents=True, exist_ok=True)
    results = [_make(root, slug, options.out) for slug in slugs]
    pending = [r for r in results if r.ok and r.epub is not None]
    if options.validate and pending:
        _validate(pending, options.strict)
    for result in results:
        _finish(result, options)
    return results


def _make(root: Path, slug: str, out: Path) -> BookletResult:
    """Read, render and package one booklet into a temporary file beside its target."""
    started = time.perf_counter()
    result = BookletResult(slug)
    report = Report()
    try:
        booklet = read_booklet(root, slug, report)
        rendered = render_booklet(booklet, report)
        fd, temp = tempfile.mkstemp(prefix=f".{slug}.", suffix=".epub.tmp", dir=out)
        os.close(fd)
        write_epub(rendered, Path(temp))
        result.epub, result.rendered = Path(temp), rendered
        result.chapters, result.figures = len(booklet.chapters), rendered.figure_count
    except BuildErrors as exc:
        result.errors.extend(exc.errors)
    except BookletError as exc:
        result.errors.append(exc)
    result.warnings.extend(report.warnings)
    result.seconds = time.perf_counter() - started
    return result


def _validate(results: list[BookletResult], strict: bool) -> None:
    """Run EPUBCheck once over every new EPUB; errors (and with strict, warnings) fail."""
    from booklet.validate import map_to_source, run_epubcheck

    started = time.perf_counter()
    checks = run_epubcheck([r.epub for r in results])
    share = (time.perf_counter() - started) / len(results)
    for result, check in zip(results, checks):
        result.seconds += share
        messages = map_to_source(check, source_map(result.rendered))
        failing = [m for m in messages if m.severity in ("FATAL", "ERROR")
                   or strict and m.severity == "WARNING"]
        for message in messages:
            if message not in failing and message.severity == "WARNING":
                result.warnings.append(message)
        for message in failing:
            result.errors.append(ValidationError(_describe(message), message.source_path or
                                                 f"{result.slug}.epub!{message.path}",
                                                 message.source_line if message.source_path else message.line,
                                                 code=message.id))
        result.validation = "failed" if failing else (
            f"{len(check.warnings)} warnings" if check.warnings else "valid")


def _describe(message) -> str:
    return f"EPUBCheck {message.id}: {message.message}"


def source_map(rendered: RenderedBooklet | None) -> dict:
    """Map each generated file in the EPUB to its source, for pointing findings at Markdown."""
    if rendered is None:
        return {}
    root = rendered.booklet.root
    mapping: dict = {"EPUB/content.opf": {"source": _rel(rendered.booklet.config_path, root)}}
    for page in rendered.pages:
        if page.source is not None:
            mapping[f"EPUB/{page.href}"] = {"source": _rel(page.source, root),
                                            "lines": [list(p) for p in page.line_map]}
    return mapping


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def _finish(result: BookletResult, options: BuildOptions) -> None:
    """Move a good EPUB into place atomically, or drop the temporary file of a bad one."""
    if result.epub is None:
        return
    temp, final = result.epub, options.out / f"{result.slug}.epub"
    # With --strict a warning fails the booklet as an error would.
    strict_warnings = options.strict and bool(result.warnings)
    if result.ok and not strict_warnings:
        os.chmod(temp, 0o644)
        os.replace(temp, final)   # atomic on one file system: readers see the old or the new file
        result.epub, result.size = final, final.stat().st_size
    else:
        temp.unlink(missing_ok=True)
        result.epub = None
        if strict_warnings and result.ok:
            result.validation = "failed (strict)"

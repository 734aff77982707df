"""The build, top to bottom: read → render → package → validate → put in place.

Booklets whose stamps show nothing changed are reused at once (:mod:`booklet.incremental.stamps`);
the others are made in parallel worker processes (one booklet per task, so memory does
not grow with the catalog); EPUBCheck then runs once, in one JVM, over every new EPUB; a
good EPUB is renamed into place, a bad one never replaces the previous file.

The rendering, packaging and catalog modules are imported only when there is work for
them: a rebuild with nothing to do costs little more than starting Python.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from booklet.errors import BookletError, BuildErrors, EnvironmentProblem, Report
from booklet.read.reader import find_slugs, read_booklet
from booklet.incremental.stamps import Stamps, booklet_stamp, partner_stamp


@dataclass
class BuildOptions:
    root: Path
    out: Path
    slugs: list[str] = field(default_factory=list)
    validate: bool = True
    strict: bool = False
    jobs: int | None = None           # worker processes; None: one per core
    cache: bool = True


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
    source_map: dict = field(default_factory=dict)
    cache_key: str | None = None
    cached: bool = False              # the EPUB in place was reused as it was
    stamped: bool = False             # ... and known unchanged from the stamps alone
    figures_used: frozenset = frozenset()
    glossary_used: frozenset = frozenset()
    inputs: dict = field(default_factory=dict)    # the stamp of the files read, taken before reading
    partners: tuple = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def build(options: BuildOptions, progress: Callable[[BookletResult], None] | None = None) -> list[BookletResult]:
    """Build the chosen booklets; a failed booklet never replaces its previous EPUB."""
    root = options.root.resolve()
    slugs = options.slugs or find_slugs(root)
    if not slugs:
        raise BookletError("no booklets found", root / "chapters",
                           hint="each booklet is a folder chapters/<slug>/ with a booklet.toml")
    out = options.out.resolve()
    stamps = Stamps(root)
    fresh = {slug: _stamped(slug, out, stamps, options) for slug in slugs}
    for result in fresh.values():
        if result is not None and progress:
            progress(result)
    finished: set[str] = set()

    def arrived(result: BookletResult) -> None:
        if not options.validate:       # nothing to wait for: put it in place while the others are made
            _finish(result, options, root, stamps)
            finished.add(result.slug)
        if progress:
            progress(result)

    tasks = [(root, slug, out, options.cache, options.validate) for slug in slugs if fresh[slug] is None]
    if tasks and options.validate:
        _check_java()                  # before any work; booklets reused as they were need no Java
    out.mkdir(parents=True, exist_ok=True)
    made = iter(_run(tasks, options.jobs, arrived, meanwhile=lambda: _prepare_catalog(root)) if tasks else [])
    results = [fresh[slug] or next(made) for slug in slugs]
    pending = [r for r in results if r.ok and r.epub is not None and not r.cached]
    if options.validate and pending:
        try:
            _validate(pending, options.strict, root)
        except BaseException:          # no Java, interrupted: leave no temporary file behind
            for result in pending:
                result.epub.unlink(missing_ok=True)
            raise
    for result in results:
        if result.slug not in finished:
            _finish(result, options, root, stamps)
    listed = sorted(set(slugs) | set(_all_slugs(root)))       # the catalog lists every booklet in out
    if tasks or not stamps.catalog_fresh(out, listed):
        from booklet.publish.catalog import write_catalog

        write_catalog(root, options.out, results)
        stamps.record_catalog(out, listed)
    return results


def _prepare_catalog(root: Path) -> None:
    from booklet.publish.catalog import prepare

    prepare(root)


def _all_slugs(root: Path) -> list[str]:
    try:
        return find_slugs(root)
    except BookletError:
        return []


def _stamped(slug: str, out: Path, stamps: Stamps, options: BuildOptions) -> BookletResult | None:
    """The result of a booklet whose stamp shows nothing changed since its EPUB was made."""
    if not options.cache:
        return None
    final = out / f"{slug}.epub"
    record = stamps.fresh(slug, final, want_valid=options.validate)
    if record is None:
        return None
    result = BookletResult(slug, epub=final, cached=True, stamped=True)
    for name, value in record.items():
        setattr(result, name, value)
    return result


def _check_java() -> None:
    """Fail before any work when validation cannot run, and say how to go on without it."""
    from booklet.check.epubcheck import find_java

    try:
        find_java()
    except EnvironmentProblem as exc:
        exc.hint = f"{exc.hint}; or build without validation: --no-validate"
        raise


def _run(tasks: list[tuple], jobs: int | None, progress, meanwhile=None) -> list[BookletResult]:
    """Make each booklet, in worker processes when there is more than one to make; the main
    process does *meanwhile* while they work."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    if jobs > 1:
        # The processes fill the cores already: one figure thread each beside the Markdown
        # (measured: less memory at once and a few per cent quicker than one per core).
        tasks = [(*task, 1) for task in tasks]
    if jobs == 1:
        results = []
        for task in tasks:
            results.append(make_booklet(*task))
            if progress:
                progress(results[-1])
        return results
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(make_booklet, *task) for task in tasks]
        if meanwhile:
            meanwhile()
        results = []
        for future in futures:
            results.append(future.result())
            if progress:
                progress(results[-1])
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    # All results are in: let the workers wind down while the catalog is written
    # (Python still waits for them before it exits).
    pool.shutdown(wait=False)
    return results


def make_booklet(root: Path, slug: str, out: Path, use_cache: bool = True,
                 want_valid: bool = True, figure_threads: int | None = None) -> BookletResult:
    """Read, render and package one booklet into a temporary file beside its target."""
    from booklet.incremental.cache import Cache, booklet_inputs_hash

    started = time.perf_counter()
    result = BookletResult(slug)
    report = Report()
    cache = Cache(root / ".cache" / "booklet", read=use_cache)
    # Taken before reading: a file saved while the booklet is being made shows as changed next time.
    result.inputs = booklet_stamp(root, slug)
    try:
        # partial: go on to render despite read errors, so one run reports them all (render raises)
        booklet = read_booklet(root, slug, report, partial=True)
        result.partners = tuple(booklet.meta.partners)
        result.inputs.update(partner_stamp(root, result.partners))
        result.cache_key = booklet_inputs_hash(root, slug, booklet.meta.partners)
        if report.errors or not _reuse(result, cache, out, want_valid):
            _render_and_package(result, booklet, report, cache, out, figure_threads)
    except BuildErrors as exc:
        result.errors.extend(exc.errors)
    except BookletError as exc:
        result.errors.append(exc)
    # A reused booklet's recorded warnings first, then what reading found again: each once.
    result.warnings = list(dict.fromkeys(result.warnings + report.warnings))
    result.seconds = time.perf_counter() - started
    return result


def _reuse(result: BookletResult, cache, out: Path, want_valid: bool) -> bool:
    """Reuse the EPUB in place when nothing it was built from has changed."""
    from booklet.incremental.cache import file_sha256

    entry = cache.get("booklet", result.cache_key)
    final = out / f"{result.slug}.epub"
    if not entry or entry["sha256"] != file_sha256(final):
        return False
    if want_valid and entry["validation"] != "valid":
        return False
    for key in ("chapters", "figures", "source_map", "figures_used", "glossary_used", "warnings"):
        setattr(result, key, entry[key])
    result.epub, result.cached, result.validation = final, True, entry["validation"]
    return True


def _render_and_package(result: BookletResult, booklet, report: Report, cache, out: Path,
                        figure_threads: int | None = None) -> None:
    import tempfile

    from booklet.publish.catalog import cached_thumbnail, remember_entry
    from booklet.package.epub import write_epub
    from booklet.render.booklet import render_booklet

    rendered = render_booklet(booklet, report, cache, figure_threads)
    fd, temp = tempfile.mkstemp(prefix=f".{result.slug}.", suffix=".epub.tmp", dir=out)
    os.close(fd)
    try:
        write_epub(rendered, Path(temp))
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    result.epub = Path(temp)
    cover = next((r for r in rendered.resources if r.href == rendered.cover_href), None)
    if cover is not None:
        cached_thumbnail(cover.data, cache, made=rendered.cover_thumbnail)
    # The catalog's entry, read here in parallel rather than by the main process at the end.
    remember_entry(out / f"{result.slug}.epub", Path(temp), cache.folder)
    result.chapters, result.figures = len(booklet.chapters), rendered.figure_count
    result.source_map = source_map(rendered)
    result.figures_used = frozenset(rendered.figures_used)
    result.glossary_used = frozenset(rendered.glossary_used)


def _validate(results: list[BookletResult], strict: bool, root: Path | None = None) -> None:
    """Run EPUBCheck once over every new EPUB, then booklet lint; errors (and with strict, warnings) fail."""
    from booklet.check.lint.build import lint_build, record
    from booklet.check.epubcheck import map_to_source, run_epubcheck

    started = time.perf_counter()
    checks = run_epubcheck([r.epub for r in results])
    share = (time.perf_counter() - started) / len(results)
    for result, check in zip(results, checks):
        result.seconds += share
        found = [m for m in map_to_source(check, result.source_map) if m.is_error or m.is_warning]
        failing = record(result, found, strict)
        # Lint findings are mapped to the source as EPUBCheck's are.
        lint_failing, lint_warnings = lint_build(result, root, strict)
        warnings = len(check.warnings) + lint_warnings
        result.validation = ("failed" if failing or lint_failing
                             else f"{warnings} warning{'s' * (warnings != 1)}" if warnings else "valid")


def source_map(rendered) -> dict:
    """Map each generated file in the EPUB to its source, for pointing findings at Markdown."""
    root = rendered.booklet.root
    mapping: dict = {"EPUB/content.opf": {"source": _rel(rendered.booklet.config_path, root)}}
    for page in rendered.pages:
        if page.source is not None:
            mapping[f"EPUB/{page.href}"] = {"source": _rel(page.source, root),
                                            "lines": [list(p) for p in page.line_map]}
    for resource in rendered.resources:
        # Images copied from the booklet, figures rendered from their .toml, the author's cover.
        if resource.source is not None and resource.source.is_relative_to(root):
            mapping[f"EPUB/{resource.href}"] = {"source": _rel(resource.source, root)}
        elif "cover-image" in resource.properties:
            mapping[f"EPUB/{resource.href}"] = {"source": _rel(rendered.booklet.config_path, root)}
    return mapping


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def _finish(result: BookletResult, options: BuildOptions, root: Path, stamps: Stamps) -> None:
    """Move a good EPUB into place atomically, or drop the temporary file of a bad one."""
    if result.epub is None:
        return
    final = options.out.resolve() / f"{result.slug}.epub"
    # With --strict a warning fails the booklet as an error would, reused or not (issue 14).
    failed = not result.ok or options.strict and bool(result.warnings)
    if result.cached and failed:
        result.epub, result.validation = None, "failed (strict)"
        return
    if result.stamped:
        return
    if result.cached:
        result.size = final.stat().st_size
        _stamp(result, final, stamps)
        return
    if failed:
        result.epub.unlink(missing_ok=True)
        result.epub = None
        if result.ok:
            result.validation = "failed (strict)"
        return
    from booklet.incremental.cache import Cache, file_sha256
    from booklet.check.lint.sourcemap import write_source_map

    os.chmod(result.epub, 0o644)
    os.replace(result.epub, final)   # atomic on one file system: readers see the old or the new file
    result.epub, result.size = final, final.stat().st_size
    sha256 = file_sha256(final)
    write_source_map(final, root, result.slug, result.source_map, sha256)   # for `booklet validate` later
    Cache(root / ".cache" / "booklet").put("booklet", result.cache_key, {
        "sha256": sha256, "validation": result.validation, "chapters": result.chapters,
        "figures": result.figures, "source_map": result.source_map, "figures_used": result.figures_used,
        "glossary_used": result.glossary_used, "warnings": result.warnings})
    _stamp(result, final, stamps)


def _stamp(result: BookletResult, final: Path, stamps: Stamps) -> None:
    """Record what the next build needs to show for this booklet if nothing has changed."""
    if not result.inputs or not result.ok:
        return
    stamps.record(result.slug, final, result.partners, result.inputs, {
        "validation": result.validation, "chapters": result.chapters, "figures": result.figures,
        "size": result.size, "warnings": list(result.warnings), "figures_used": result.figures_used,
        "glossary_used": result.glossary_used, "cache_key": result.cache_key})

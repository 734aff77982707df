"""The build, top to bottom: read → render → package → validate → put in place.

:func:`build` is the whole of it.  Booklets whose files are untouched since their EPUB
was made are taken as they are (:mod:`booklet.incremental.reuse`); the others are made
(read, rendered, packaged into a temporary file beside the target) in worker processes,
one booklet per task; EPUBCheck then runs once, in one JVM, over every new EPUB, with
the lint after it; a good EPUB is renamed into place, a bad one never replaces the
previous file.  An interrupt (Ctrl-C, SIGTERM) removes the temporary files; a build
first removes those a killed build left.

The rendering, packaging and catalog modules are imported only when there is work for
them: a rebuild with nothing to do costs little more than starting Python.
"""
from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from booklet.errors import BookletError, BuildErrors, Diagnostic, EnvironmentProblem, Report
from booklet.incremental import reuse
from booklet.incremental.stamps import Stamps
from booklet.model import Made
from booklet.read.paths import check_slug
from booklet.read.reader import find_slugs, read_booklet


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
    """What one booklet's build gave: its EPUB, its verdict and what it found."""

    slug: str
    epub: Path | None = None          # a temporary file until put in place
    made: Made = field(default_factory=Made)
    validation: str = "skipped"
    size: int = 0
    seconds: float = 0.0
    errors: list[BookletError] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    reused: str | None = None         # "stamps" or "cache": the EPUB in place was kept as it was
    inputs: reuse.Inputs | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def cached(self) -> bool:
        return self.reused is not None

    @property
    def stamped(self) -> bool:
        return self.reused == "stamps"


def build(options: BuildOptions, progress: Callable[[BookletResult], None] | None = None) -> list[BookletResult]:
    """Build the chosen booklets; a failed booklet never replaces its previous EPUB."""
    root, out, slugs = options.root.resolve(), options.out.resolve(), _slugs(options)
    stamps = Stamps(root)
    remove_temporaries(out, slugs, stale_only=True)
    reused = {slug: _unchanged(slug, out, stamps, options) for slug in slugs}
    todo = [slug for slug in slugs if reused[slug] is None]
    if todo and options.validate:
        _check_java()                  # before any work; booklets reused as they were need no Java
    try:
        # read → render → package, booklet by booklet (the unchanged ones first, as they are)
        made = _make_all(root, todo, out, options, progress, [r for r in reused.values() if r])
        if options.validate:
            made = list(made)
            _validate([r for r in made if r.ok and r.epub is not None and not r.cached], options.strict, root)
        # Without validation each booklet is put in place as it arrives, while the others are made.
        done = {r.slug: _put_in_place(r, options, root, stamps) for r in made}
    except BaseException:
        remove_temporaries(out, slugs)     # interrupted, or no Java: leave no temporary file behind
        raise
    results = [done[slug] for slug in slugs]
    _write_catalog(root, out, slugs, results, stamps, changed=bool(todo))
    return results


def _prepare_catalog(root: Path):
    """Load the catalog's code and templates in a thread while the workers build: this
    process only waits for them, and after the last booklet it cost 50 ms with a core idle."""
    import threading

    thread = threading.Thread(target=_load_catalog, args=(root,), name="prepare-catalog", daemon=True)
    thread.start()
    return thread


def _load_catalog(root: Path) -> None:
    from booklet.publish.catalog import prepare   # the import is half the work: done in the thread

    prepare(root)


def _slugs(options: BuildOptions) -> list[str]:
    slugs = options.slugs or find_slugs(options.root.resolve())
    if not slugs:
        raise BookletError("no booklets found", options.root.resolve() / "chapters",
                           hint="each booklet is a folder chapters/<slug>/ with a booklet.toml")
    for slug in options.slugs:
        check_slug(slug, options.root.resolve())   # before any path is made of it (issue 15: "../../x" left the root)
    return slugs


def temporary_name(slug: str) -> str:
    """The prefix of a booklet's temporary EPUB: the writing process's id tells a stale one."""
    return f".{slug}.{os.getpid()}."


def remove_temporaries(out: Path, slugs, stale_only: bool = False) -> None:
    """Remove the temporary EPUBs of *slugs* in *out* whose writing process is gone (a build
    killed outright, or this build's stopped workers) and, unless *stale_only*, this
    process's own; never those of another build still running."""
    for slug in slugs:
        for path in out.glob(f".{slug}.*.epub.tmp"):
            pid = path.name[len(slug) + 2:].split(".")[0]
            if not _alive(pid) or not stale_only and pid == str(os.getpid()):
                path.unlink(missing_ok=True)


def _alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True                    # someone else's process: alive
    return True


def _unchanged(slug: str, out: Path, stamps: Stamps, options: BuildOptions) -> BookletResult | None:
    """The result of a booklet whose stamp shows nothing changed since its EPUB was made."""
    if not options.cache:
        return None
    final = out / f"{slug}.epub"
    record = reuse.stamped_record(stamps, final, slug, want_valid=options.validate)
    return None if record is None else _from_record(slug, final, record, "stamps")


def _from_record(slug: str, final: Path, record: dict, how: str, inputs=None) -> BookletResult:
    return BookletResult(slug, final, record["made"], record["validation"], reused=how,
                         warnings=list(record["warnings"]), inputs=inputs)


def _check_java() -> None:
    """Fail before any work when validation cannot run, and say how to go on without it."""
    from booklet.check.epubcheck import find_java

    try:
        find_java()
    except EnvironmentProblem as exc:
        exc.hint = f"{exc.hint}; or build without validation: --no-validate"
        raise


def _make_all(root: Path, slugs: list[str], out: Path, options: BuildOptions, progress=None,
              unchanged: list[BookletResult] = ()):
    """Yield the *unchanged* booklets, then each booklet of *slugs* as it is made, in worker
    processes when there is more than one to make."""
    if slugs:
        out.mkdir(parents=True, exist_ok=True)
    tasks = [(root, slug, out, options.cache, options.validate) for slug in slugs]
    jobs = max(1, min(options.jobs or os.cpu_count() or 1, len(tasks)))
    made = _in_workers(tasks, jobs) if jobs > 1 else (make_booklet(*task) for task in tasks)
    for result in itertools.chain(unchanged, made):
        if progress:
            progress(result)
        yield result


def _in_workers(tasks: list[tuple], jobs: int):
    """Yield each task's result, made in *jobs* processes (one figure thread each: the
    processes fill the cores already, and it was a few per cent quicker than one per core)."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_interrupts)
    try:
        futures = [pool.submit(make_booklet, *task, 1) for task in tasks]
        # Only now, with every worker forked (a fork pool starts them all at the first
        # submit), may this process start a thread: a child forked while it imports would
        # inherit a held import lock and hang.
        catalog = _prepare_catalog(tasks[0][0])
        for future in futures:
            yield future.result()
        catalog.join()
    except BaseException:
        # Interrupted: the booklets being made are finished, then the caller removes their files.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=False)          # all in: the workers wind down while the rest goes on


def _ignore_interrupts() -> None:
    """Leave Ctrl-C and SIGTERM to the main process, which stops the workers and cleans up."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def make_booklet(root: Path, slug: str, out: Path, use_cache: bool = True,
                 want_valid: bool = True, figure_threads: int | None = None) -> BookletResult:
    """Read, render and package one booklet into a temporary file beside its target."""
    started = time.perf_counter()
    result = BookletResult(slug, inputs=reuse.inputs_before_reading(root, slug))
    report = Report()
    cache = reuse.cache_for(root, read=use_cache)
    try:
        # partial: go on to render despite read errors, so one run reports them all (render raises)
        booklet = read_booklet(root, slug, report, partial=True)
        result.inputs = reuse.inputs_after_reading(result.inputs, root, slug, booklet.meta.partners)
        final = out / f"{slug}.epub"
        record = None if report.errors else reuse.cached_record(cache, result.inputs, final, want_valid)
        if record is not None:
            result = _from_record(slug, final, record, "cache", result.inputs)
        else:
            result.epub, result.made = _render_and_package(booklet, report, cache, out, figure_threads)
    except BuildErrors as exc:
        result.errors.extend(exc.errors)
    except BookletError as exc:
        result.errors.append(exc)
    # A reused booklet's recorded warnings first, then what reading found again: each once.
    result.warnings = list(dict.fromkeys(result.warnings + report.warnings))
    result.seconds = time.perf_counter() - started
    return result


def _render_and_package(booklet, report: Report, cache, out: Path,
                        figure_threads: int | None) -> tuple[Path, Made]:
    """Render *booklet* and write its EPUB to a temporary file in *out*."""
    import tempfile

    from booklet.package.epub import write_epub
    from booklet.render.booklet import render_booklet

    rendered = render_booklet(booklet, report, cache, figure_threads)
    fd, name = tempfile.mkstemp(prefix=temporary_name(booklet.slug), suffix=".epub.tmp", dir=out)
    os.close(fd)
    temp = Path(name)
    try:
        write_epub(rendered, temp)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _prepare_catalog_entry(rendered, cache, out, temp)
    made = Made(len(booklet.chapters), rendered.figure_count, source_map(rendered),
                frozenset(rendered.figures_used), frozenset(rendered.glossary_used))
    return temp, made


def _prepare_catalog_entry(rendered, cache, out: Path, temp: Path) -> None:
    """Read the new EPUB's catalog entry and thumbnail here, in the worker, in parallel,
    rather than in the main process at the end."""
    from booklet.publish.catalog import cached_thumbnail, remember_entry

    cover = next((r for r in rendered.resources if r.href == rendered.cover_href), None)
    if cover is not None:
        cached_thumbnail(cover.data, cache, made=rendered.cover_thumbnail)
    remember_entry(out / f"{rendered.booklet.slug}.epub", temp, cache.folder)


def _validate(results: list[BookletResult], strict: bool, root: Path | None = None) -> None:
    """Run EPUBCheck once over every new EPUB, then booklet lint; errors (and with strict, warnings) fail."""
    if not results:
        return
    from booklet.check.epubcheck import map_to_source, run_epubcheck
    from booklet.check.lint.build import lint_build, record

    started = time.perf_counter()
    checks = run_epubcheck([r.epub for r in results])
    share = (time.perf_counter() - started) / len(results)
    for result, check in zip(results, checks):
        result.seconds += share
        found = [m for m in map_to_source(check, result.made.source_map) if m.is_error or m.is_warning]
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


def _put_in_place(result: BookletResult, options: BuildOptions, root: Path, stamps: Stamps) -> BookletResult:
    """Move a good EPUB into place atomically, or drop the temporary file of a bad one; with
    --strict a warning fails the booklet as an error would, reused or not (issue 14)."""
    if result.epub is None:
        return result
    failed = not result.ok or options.strict and bool(result.warnings)
    if failed:
        if not result.cached:
            result.epub.unlink(missing_ok=True)
        result.epub = None
        if result.ok:
            result.validation = "failed (strict)"
        return result
    final = options.out.resolve() / f"{result.slug}.epub"
    sha256 = None
    if not result.cached:
        from booklet.check.sourcemap import write_source_map
        from booklet.incremental.cache import file_sha256

        os.chmod(result.epub, 0o644)
        os.replace(result.epub, final)   # atomic on one file system: readers see the old or the new file
        result.epub, sha256 = final, file_sha256(final)
        write_source_map(final, root, result.slug, result.made.source_map, sha256)   # for `booklet validate`
    result.size = final.stat().st_size
    if not result.stamped:
        record = {"made": result.made, "validation": result.validation, "warnings": result.warnings}
        reuse.remember(root, stamps, result.slug, final, result.inputs, record, sha256)
    return result


def _write_catalog(root: Path, out: Path, slugs: list[str], results: list[BookletResult], stamps: Stamps,
                   changed: bool) -> None:
    """Write the catalog of every booklet in *out*, unless nothing there changed."""
    listed = sorted(set(slugs) | set(_all_slugs(root)))
    if changed or not stamps.catalog_fresh(out, listed):
        from booklet.publish.catalog import write_catalog

        write_catalog(root, out, results)
        stamps.record_catalog(out, listed)


def _all_slugs(root: Path) -> list[str]:
    try:
        return find_slugs(root)
    except BookletError:
        return []

"""The studio's state: each booklet's last good build, its build error and its findings.

A save anywhere under the root's chapters/, images/ or templates/ rebuilds the booklets it
touches in this process, with :func:`booklet.pipeline.build` (no validation) into a
temporary folder, as ``mkdocs serve`` builds into a temporary site. A good build becomes
the booklet's new version, whose files the reader pane loads; a failed one leaves the last
good version in place and sets the error the page shows over it. Then EPUBCheck (warm JVM)
and the lint run on the new version in a thread of their own; their findings replace the
old ones when they arrive. Every change is announced to the listeners (the open pages).
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

from booklet.errors import BookletError


@dataclass
class Booklet:
    """One booklet as the studio shows it."""

    slug: str
    version: int = 0
    entries: dict[str, bytes] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)     # name -> a hash of its bytes, for URLs
    source_map: dict = field(default_factory=dict)
    error: str | None = None
    findings: list[dict] = field(default_factory=list)
    findings_version: int = 0
    checking: bool = False
    check_problem: str | None = None

    def state(self) -> dict:
        """What the page needs to know, as JSON-ready data (the files themselves are fetched)."""
        return {"slug": self.slug, "version": self.version, "error": self.error,
                "entries": {name: len(data) for name, data in self.entries.items()}, "digests": self.digests,
                "chapters": chapter_pages(self.source_map), "figures": figure_files(self.source_map),
                "findings": self.findings, "findingsVersion": self.findings_version,
                "checking": self.checking, "checkProblem": self.check_problem}


def chapter_pages(source_map: dict) -> dict[str, str]:
    """Chapter file name (``04-trigger-points.md``) -> its page in the EPUB."""
    return {Path(entry["source"]).name: page for page, entry in source_map.items()
            if page.endswith(".xhtml") and str(entry.get("source", "")).endswith(".md")}


def figure_files(source_map: dict) -> dict[str, str]:
    """Figure file name (``overview.toml``) -> the image drawn from it in the EPUB."""
    return {Path(entry["source"]).name: path for path, entry in source_map.items()
            if str(entry.get("source", "")).endswith(".toml") and not path.endswith(".opf")}


def _forget_memos() -> None:
    """Drop the per-process memo of the templates' hash: the studio outlives template edits.

    (Issue 14, bug 1: without this an edited template leaves the booklet "cached"; harmless
    once the build core stops memoising it.)
    """
    from booklet.incremental import cache

    clear = getattr(getattr(cache, "templates_hash", None), "cache_clear", None)
    if clear is not None:
        clear()


class Studio:
    """Builds, checks and state of the booklets of one root; thread-safe."""

    def __init__(self, root: Path, slugs: list[str], validate: bool = True):
        self.root = root.resolve()
        self.slugs = slugs
        self.out = Path(tempfile.mkdtemp(prefix="booklet-studio-"))
        self.booklets = {slug: Booklet(slug) for slug in slugs}
        self.lock = threading.Lock()
        self.listeners: list[Callable[[str], None]] = []
        self.validate = validate
        self.checker = None
        self.check_wanted = threading.Condition()
        self.check_queue: dict[str, tuple] = {}
        self.closed = False
        from booklet.studio.memo import install

        install()
        if validate:
            threading.Thread(target=self._check_loop, daemon=True, name="booklet-check").start()

    # --- building ---------------------------------------------------------------------

    def rebuild(self, slugs: list[str] | None = None) -> None:
        """Build *slugs* (default: all) without validation; keep the last good build of a failed one."""
        from booklet.pipeline import BuildOptions, build

        _forget_memos()
        for slug in slugs or self.slugs:
            try:
                [result] = build(BuildOptions(root=self.root, out=self.out, slugs=[slug], validate=False, jobs=1))
                errors = [str(e) for e in result.errors]
            except BookletError as exc:
                result, errors = None, [str(exc)]
            except Exception as exc:  # noqa: BLE001 - the studio goes on; the page shows the bug
                traceback.print_exc()
                result, errors = None, [f"internal error: {type(exc).__name__}: {exc} (a bug in booklet)"]
            self._take(slug, result, errors)

    def show(self, slug: str, epub: Path, source_map: dict | None = None) -> None:
        """Make a built EPUB *slug*'s current version, as a good build would (``booklet preview``)."""
        self._take(slug, SimpleNamespace(epub=epub, made=SimpleNamespace(source_map=source_map or {})), [])

    def _take(self, slug: str, result, errors: list[str]) -> None:
        booklet = self.booklets[slug]
        if errors or result is None or result.epub is None:
            with self.lock:
                booklet.error = "\n".join(errors) or f"{slug}: the build made no EPUB"
            self.announce(slug)
            return
        with zipfile.ZipFile(result.epub) as archive:
            entries = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
        with self.lock:
            booklet.version += 1
            booklet.entries, booklet.source_map, booklet.error = entries, dict(result.made.source_map), None
            booklet.digests = {name: hashlib.sha256(data).hexdigest()[:20] for name, data in entries.items()}
            version = booklet.version
        self.announce(slug)
        if self.validate:
            self._want_check(slug, version, result.epub, result)

    # --- checking ---------------------------------------------------------------------

    def _want_check(self, slug: str, version: int, epub: Path, result) -> None:
        copy = self.out / f".check-{slug}-{version}.epub"
        shutil.copyfile(epub, copy)
        with self.check_wanted:
            old = self.check_queue.pop(slug, None)
            if old:
                old[1].unlink(missing_ok=True)      # superseded before its turn came
            self.check_queue[slug] = (version, copy, result)
            self.booklets[slug].checking = True
            self.check_wanted.notify()
        self.announce(slug)

    def _check_loop(self) -> None:
        """Check the newest version of each booklet that asks for it, one at a time."""
        from booklet.studio.findings import check_booklet

        while True:
            with self.check_wanted:
                while not self.check_queue and not self.closed:
                    self.check_wanted.wait()
                if self.closed:
                    return
                slug, (version, copy, result) = self.check_queue.popitem()
            try:
                findings, problem = check_booklet(self, slug, copy, result)
            except Exception as exc:  # noqa: BLE001 - a checker bug must not stop later checks
                traceback.print_exc()
                findings, problem = [], f"the check failed: {type(exc).__name__}: {exc} (a bug in booklet)"
            finally:
                copy.unlink(missing_ok=True)
            with self.lock:
                booklet = self.booklets[slug]
                if version == booklet.version:
                    booklet.findings, booklet.findings_version = findings, version
                    booklet.check_problem = problem
                booklet.checking = slug in self.check_queue
            self.announce(slug)

    # --- telling the pages ------------------------------------------------------------

    def state(self, slug: str) -> dict:
        with self.lock:
            return self.booklets[slug].state()

    def entry(self, slug: str, digest: str, name: str) -> bytes | None:
        """The bytes of file *name* of *slug*'s current version, if *digest* is still theirs.

        Named by content, a file a rebuild left unchanged (an image, a font) keeps its URL,
        and the browser its copy.
        """
        with self.lock:
            booklet = self.booklets.get(slug)
            if booklet is None or booklet.digests.get(name) != digest:
                return None
            return booklet.entries.get(name)

    def announce(self, slug: str) -> None:
        for listener in list(self.listeners):
            listener(slug)

    def close(self) -> None:
        with self.check_wanted:
            self.closed = True
            self.check_wanted.notify()
        if self.checker is not None:
            self.checker.close()
        shutil.rmtree(self.out, ignore_errors=True)

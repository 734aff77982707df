"""Stamps: the size and modification time of every file a booklet was built from.

A rebuild first compares stamps, as make and Sphinx do: when no input file has been
added, removed or touched and the EPUB in place is the one the build wrote, the booklet
is reused without reading a line of it (no Markdown parsing, no hashing, none of the
rendering modules imported).  Any difference falls back to the content-hash cache
(:mod:`booklet.incremental.cache`), which still reuses whatever did not really change; the stamp is
then written again, so the next build is quick.

A file changed within the clock tick of the stamp could keep its size and time; as git
does with its index, a stamp is trusted only for files older than the stamp file itself.
"""
from __future__ import annotations

import os
from pathlib import Path

import booklet
from booklet.incremental.cache import read_record, write_record
from booklet.model import config_path, image_dir, series_dir, source_dir
from booklet.render.theme import template_dirs

FORMAT = 3          # 2: JSON records; 3: records of pipeline.Made
Stamp = dict[str, tuple[int, int]]


def _stat_tree(folder: Path, into: Stamp) -> None:
    """Add (size, mtime_ns) of every file under *folder*, by path."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):     # as the content hash: links to folders are not followed
            if entry.name != "__pycache__":
                _stat_tree(Path(entry.path), into)
        else:
            try:
                info = entry.stat()
            except OSError:
                continue
            into[entry.path] = (info.st_size, info.st_mtime_ns)


def _stat_file(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns)


def shared_stamp(root: Path) -> tuple:
    """What every booklet depends on: booklet's own code, the template folders, SOURCE_DATE_EPOCH."""
    files: Stamp = {}
    _stat_tree(Path(booklet.__file__).resolve().parent, files)
    for folder in template_dirs(root):
        _stat_tree(folder, files)
    return (FORMAT, booklet.__version__, os.environ.get("SOURCE_DATE_EPOCH", ""), tuple(sorted(files.items())))


def booklet_stamp(root: Path, slug: str) -> Stamp:
    """The files one booklet is built from: its chapters folder and its images."""
    files: Stamp = {}
    _stat_tree(source_dir(root, slug), files)
    _stat_tree(image_dir(root, slug), files)
    _stat_tree(series_dir(root), files)         # the shared safety page
    return files


def partner_stamp(root: Path, partners) -> Stamp:
    """The partners' configs a booklet shows titles from (a missing one is stamped too)."""
    configs = (config_path(root, partner) for partner in partners)
    return {str(config): _stat_file(config) or (-1, -1) for config in configs}


class Stamps:
    """One JSON record per booklet under ``<root>/.cache/booklet/stamps``; a miss is None, never an error."""

    def __init__(self, root: Path):
        self.root = root
        self.folder = root / ".cache" / "booklet" / "stamps"
        self._shared = None

    @property
    def shared(self) -> tuple:
        if self._shared is None:          # once per build: the tool and templates do not change mid-build
            self._shared = shared_stamp(self.root)
        return self._shared

    def fresh(self, slug: str, epub: Path, want_valid: bool) -> dict | None:
        """The recorded result when nothing *slug* is built from has changed since, else None."""
        path = self.folder / f"{slug}.json"
        try:
            stamped = path.stat().st_mtime_ns
        except OSError:
            return None
        record = read_record(path)
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            return None
        if want_valid and record["result"].get("validation") != "valid":
            return None
        if (record["epub"] != (str(epub), _stat_file(epub)) or record["shared"] != self.shared
                or record["files"] != {**booklet_stamp(self.root, slug), **partner_stamp(self.root, record["partners"])}):
            return None
        inputs = list(record["files"].values()) + [stat for _, stat in record["shared"][3]]
        if any(mtime >= stamped for _, mtime in inputs):
            return None                   # written in the stamp's own clock tick: not to be trusted
        return record["result"]

    def record(self, slug: str, epub: Path, partners: tuple[str, ...], files: Stamp, result: dict) -> None:
        """Stamp a booklet just built or reused, with the stamp of its files taken before reading them."""
        write_record(self.folder / f"{slug}.json", {
            "format": FORMAT, "epub": (str(epub), _stat_file(epub)), "shared": self.shared, "files": files,
            "partners": tuple(partners), "result": result})

    def catalog_fresh(self, out: Path, slugs) -> bool:
        """Tell whether index.html, opds.xml and covers/ in *out* are as the last build left them,
        with the same EPUBs beside them: then there is nothing to write."""
        record = read_record(self.folder / "catalog.json")
        return record is not None and record == self._catalog_record(out, slugs)

    def record_catalog(self, out: Path, slugs) -> None:
        write_record(self.folder / "catalog.json", self._catalog_record(out, slugs))

    def _catalog_record(self, out: Path, slugs) -> dict:
        files: Stamp = {}
        _stat_tree(out / "covers", files)
        for name in ("index.html", "opds.xml", *(f"{slug}.epub" for slug in slugs)):
            files[name] = _stat_file(out / name)
        return {"format": FORMAT, "out": str(out), "shared": self.shared, "files": files}

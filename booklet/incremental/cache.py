"""A build cache keyed by the content hash of every input, so rebuilds redo only what changed.

Two levels: a whole booklet (nothing changed: no render, no validation) and one chapter
(one file edited: only that chapter is rendered again). Entries are JSON records
(:mod:`booklet.incremental.records`: data only, never code) written atomically, so
concurrent builds never read half a file. The tool's own source is part
of every key: a new version of booklet never reuses an old result.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from functools import lru_cache
from pathlib import Path

import booklet
from booklet.incremental.records import BadRecord, dumps, loads
from booklet.model import config_path, image_dir, source_dir
from booklet.render.theme import template_dirs

FORMAT = 3          # 2: JSON records; 3: records of pipeline.Made


def _hash_files(digest, files) -> None:
    for path in files:
        digest.update(str(path).encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def _tree(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    # A file linked out of its folder is never read, not even to hash it: the reader refuses it
    # (read/paths.py), and a link to a huge or special file must cost nothing (issue 15).
    # os.walk does not follow links to folders; only a linked file needs resolving.
    base = folder.resolve()
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = Path(top, name)
            if path.is_symlink() and not path.resolve().is_relative_to(base) or not path.is_file():
                continue
            found.append(path)
    return sorted(found)


@lru_cache(maxsize=1)
def tool_hash() -> str:
    """Hash booklet's own code and packaged data: any change to the tool changes every key."""
    digest = hashlib.sha256(f"{FORMAT}:{booklet.__version__}".encode())
    package = Path(booklet.__file__).resolve().parent
    _hash_files(digest, [p for p in _tree(package) if p.suffix in (".py", ".java", ".md", ".toml", ".png")])
    return digest.hexdigest()


#: root -> (the template files' sizes and times, their hash): see templates_hash.
_TEMPLATES: dict[Path, tuple[tuple, str]] = {}
#: Files changed this recently are hashed again whatever their stamp says (as the stamps do).
TRUST_AFTER_NS = 2_000_000_000


def templates_hash(root: Path) -> str:
    """Hash every file in the template folders a root uses, in lookup order.

    Remembered per process against the files' sizes and modification times, so that a
    long-running process (serve, studio) sees an edited template (issue 14: it was
    memoised for good); a file modified in the last two seconds is never trusted to its
    stamp, as the stamps do, since an edit may keep both size and time within a clock tick.
    """
    # The folders too: a file added or removed changes its folder's time.
    infos = [(str(p), p.stat()) for folder in template_dirs(root) for p in [folder, *_tree(folder)]]
    stamp = tuple((name, info.st_size, info.st_mtime_ns) for name, info in infos)
    seen = _TEMPLATES.get(root)
    if seen and seen[0] == stamp and time.time_ns() - max(t for _, _, t in stamp) > TRUST_AFTER_NS:
        return seen[1]
    digest = hashlib.sha256()
    for folder in template_dirs(root):
        digest.update(str(folder).encode() + b"\0")
        _hash_files(digest, _tree(folder))
    _TEMPLATES[root] = (stamp, digest.hexdigest())
    return _TEMPLATES[root][1]


def assets_hash(root: Path, slug: str) -> str:
    """Hash a booklet's images and the non-text files beside its chapters (what figures and images use)."""
    digest = hashlib.sha256()
    _hash_files(digest, _tree(image_dir(root, slug))
                + [p for p in _tree(source_dir(root, slug)) if p.suffix not in (".md", ".toml")])
    return digest.hexdigest()


def booklet_inputs_hash(root: Path, slug: str, partners: tuple[str, ...] = ()) -> str:
    """Hash everything one booklet is built from: its sources, images, partners' configs, templates."""
    digest = hashlib.sha256()
    for part in (tool_hash(), templates_hash(root), os.environ.get("SOURCE_DATE_EPOCH", "")):
        digest.update(part.encode() + b"\0")
    _hash_files(digest, _tree(source_dir(root, slug)) + _tree(image_dir(root, slug)))
    _hash_files(digest, [p for s in partners if (p := config_path(root, s)).is_file()])
    return digest.hexdigest()


class Cache:
    """JSON records under ``<root>/.cache/booklet``; a miss is None, never an error.

    With ``read=False`` (``--no-cache``) nothing is reused but results are still stored,
    so the build after a clean one is quick again.
    """

    def __init__(self, folder: Path, read: bool = True):
        self.folder = folder
        self.read = read

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / f"{key}.json"

    def get(self, kind: str, key: str):
        return read_record(self._path(kind, key)) if self.read else None

    def put(self, kind: str, key: str, value) -> None:
        write_record(self._path(kind, key), value)


def read_record(path: Path):
    """The record at *path*, or None when it is missing, unreadable or not one booklet wrote."""
    try:
        return loads(path.read_bytes())
    except (OSError, BadRecord):
        return None


def write_record(path: Path, value) -> bool:
    """Write *value* to *path* as a JSON record, atomically; False when it could not be written."""
    return write_atomic(path, dumps(value))


def write_atomic(path: Path, data: bytes) -> bool:
    """Write *data* to *path* through a temporary file and a rename, so that a concurrent
    reader sees the old file or the new one, never half of one.  False when it could not be
    written: a read-only or full disk costs speed next time, never the build."""
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
        return True
    except OSError:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
        return False


def key(*parts: str | bytes) -> str:
    """Combine strings and bytes into one cache key."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of the file at *path*, read in blocks; None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()

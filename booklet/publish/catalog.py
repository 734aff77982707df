"""The download catalog: a web page, an OPDS feed and cover thumbnails for the built EPUBs.

Everything is read back from the EPUB files in the output folder, not from the build in
memory, so building one booklet still lists the others already built beside it.
"""
from __future__ import annotations

import io
import os
import tempfile
import uuid
import warnings
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from booklet.incremental.cache import Cache, tool_hash
from booklet.publish import epubinfo as info
from booklet.incremental.cache import key as cache_key
from booklet.errors import BookletError, ContentError, Problem
from booklet.read.reader import find_slugs
from booklet.render.theme import make_environment, render_template
from booklet.epubfile import EpubFile
from booklet.limits import MAX_PIXELS

OPDS_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
EPUB_TYPE = "application/epub+zip"
_LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano",
              "nl": "Nederlands", "pt": "Português", "pl": "Polski", "sv": "Svenska", "da": "Dansk"}
_EPOCH = "1970-01-01T00:00:00Z"


@dataclass(frozen=True)
class Entry:
    """One booklet in the catalog, as read from its EPUB."""

    slug: str
    href: str
    size: int
    identifier: str
    title: str
    subtitle: str | None
    author: str | None
    description: str | None
    language: str | None
    modified: str
    series: str | None
    series_index: float | None
    subjects: tuple[str, ...]
    chapters: tuple[str, ...]
    cover: str | None = None
    cover_size: tuple[int, int] | None = None
    cover_problem: str | None = None     # why a cover the EPUB has got no thumbnail

    @property
    def size_text(self) -> str:
        return format_size(self.size)

    @property
    def updated_text(self) -> str:
        return format_date(self.modified)

    @property
    def language_name(self) -> str:
        return language_name(self.language)


def write_catalog(root: Path, out: Path, results=()) -> list[Entry]:
    """Write index.html, opds.xml and covers/ for every booklet EPUB in *out*."""
    entries = read_entries(root, out, results)
    env = make_environment(root)
    context = catalog_context(entries)
    write_if_changed(out / "index.html", render_template(env, "index.html.j2", **context).encode("utf-8"))
    write_if_changed(out / "opds.xml", render_template(env, "opds.xml.j2", **context).encode("utf-8"))
    return entries


def read_entries(root: Path, out: Path, results=()) -> list[Entry]:
    """Read every ``<slug>.epub`` in *out* that *root* has a booklet for, in catalog order."""
    slugs = {r.slug for r in results}
    try:
        slugs.update(find_slugs(root))
    except BookletError:
        pass   # a catalog of what was just built is still worth writing
    entries = []
    cache = Cache(root / ".cache" / "booklet")
    for slug in sorted(slugs):
        epub = out / f"{slug}.epub"
        if not epub.is_file():
            continue
        try:
            entry = _cached_entry(epub, out, cache)
        except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ContentError) as exc:
            # A damaged or hostile leftover must not stop the catalog; say so beside the build's warnings.
            _warn(results, slug, f"{epub.name} left out of the catalog: {getattr(exc, 'message', exc)}", epub)
            continue
        if entry.cover_problem:
            _warn(results, slug, f"{epub.name}: the catalog shows no cover: {entry.cover_problem}", epub)
        entries.append(entry)
    return sorted(entries, key=_order)


def _cached_entry(epub: Path, out: Path, cache: Cache) -> Entry:
    """The entry of the EPUB at *epub*, its thumbnail written into *out*/covers."""
    entry, thumb = entry_for(epub, cache)
    if thumb is not None:
        write_if_changed(out / entry.cover, thumb[0])
    return entry


def entry_for(epub: Path, cache: Cache, source: Path | None = None) -> tuple[Entry, tuple | None]:
    """The catalog entry and thumbnail of the EPUB at *epub*, remembered by its path, size and
    time: a catalog written after one booklet changed reads that one EPUB, not all of them.

    A build worker calls this with its new EPUB still at the temporary *source* (a rename
    keeps size and time), so the catalog written at the end finds the entry ready.
    """
    stat = (source or epub).stat()
    ident = cache_key(tool_hash(), str(epub.resolve()), str(stat.st_size), str(stat.st_mtime_ns))
    found = cache.get("entry", ident)
    if found is None:
        found = parse_entry(source or epub, epub.stem, cache)
        cache.put("entry", ident, found)
    return found


def _order(entry: Entry) -> tuple:
    index = entry.series_index if entry.series_index is not None else float("inf")
    return (entry.series or "", index, entry.title.casefold(), entry.slug)


def _warn(results, slug: str, message: str, path: Path) -> None:
    """Tell the booklet's result; an EPUB this build did not make tells the first one (it names its file)."""
    results = list(results)
    owner = next((r for r in results if r.slug == slug), results[0] if results else None)
    if owner is not None:
        owner.warnings.append(Problem(message, path))


def parse_entry(epub: Path, slug: str, cache: Cache | None = None) -> tuple[Entry, tuple | None]:
    """One EPUB's metadata, chapter titles and cover thumbnail (JPEG bytes and size), or None."""
    with EpubFile(epub) as archive:       # checked: no bomb, no hostile name, reads bounded
        meta = info.read_metadata(archive.opf)
        nav = archive.item_with("nav")
        chapters = info.read_chapters(archive, nav) if nav else ()
        cover = archive.cover
        cover_data = archive.read(cover) if cover and cover in archive.namelist() else None
        if not meta.get("modified"):
            meta["modified"] = info.zip_time(archive.getinfo(archive.opf_path))
    entry = Entry(slug=slug, href=f"{slug}.epub", size=epub.stat().st_size, chapters=chapters, **meta)
    try:
        thumb = cached_thumbnail(cover_data, cache) if cover_data else None
    except CoverUnusable as exc:
        return replace(entry, cover_problem=str(exc)), None
    if thumb is None:
        return entry, None
    return replace(entry, cover=f"covers/{slug}.jpg", cover_size=thumb[1]), thumb


def remember_entry(epub: Path, source: Path, folder: Path) -> None:
    """Read the entry of a new EPUB, still at *source*, ahead of the catalog: a build worker
    calls this, so the catalog written at the end finds it ready.  It reads the cache even in
    a --no-cache build: the cover's thumbnail was made moments ago, in this build."""
    try:
        entry_for(epub, Cache(folder), source=source)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ContentError, OSError):
        pass    # the catalog reads it again and says what is wrong


def prepare(root: Path) -> None:
    """Load what writing the catalog needs (modules, compiled templates): the build calls this
    in a thread while its workers run, so that the catalog at the end is quick.  Whatever
    fails here fails again, and is reported with its file and line, when the catalog is
    written: here it is only let go (a thread must not print a traceback)."""
    try:
        env = make_environment(root)
        for name in ("index.html.j2", "opds.xml.j2"):
            env.get_template(name)
    except Exception:       # noqa: BLE001 - see above
        pass


def cached_thumbnail(data: bytes, cache: Cache | None, made=None):
    """Make a thumbnail once per distinct cover: a catalog rebuild must not redo them all.

    The build's workers call this as they finish each booklet, in parallel, so the catalog
    written after them finds every thumbnail made; ``made`` is one the worker already has
    (a drawn cover's, made from its pixels before encoding).
    """
    if cache is None:
        return made or make_thumbnail(data)
    ident = cache_key(data)
    thumb = None if made else cache.get("thumbnail", ident)
    if thumb is None:
        thumb = made or make_thumbnail(data)
        cache.put("thumbnail", ident, thumb)
    return thumb


class CoverUnusable(ContentError):
    """A cover image that must not be decoded (a decompression bomb) or cannot be."""


def make_thumbnail(data: bytes) -> tuple[bytes, tuple[int, int]] | None:
    """Return a JPEG about THUMB_WIDTH px wide and its size, or None for a format Pillow can't read.

    A cover too big to decode (a foreign EPUB's bomb, issue 15) or broken raises CoverUnusable.
    """
    # Imported here: a build makes its thumbnails in the workers, and the catalog written
    # after them is quicker to start without Pillow (20 ms).
    from PIL import Image, UnidentifiedImageError

    from booklet.figures.imaging import thumbnail_jpeg, to_rgb
    from booklet.render.cover import THUMB_WIDTH

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.size[0] * image.size[1] > MAX_PIXELS:
                    raise CoverUnusable(f"the cover is {image.size[0]}×{image.size[1]} pixels, over the limit "
                                        f"of {MAX_PIXELS:,}")
                image.load()
                rgb = to_rgb(image)   # 16-bit, palette, CMYK and transparent covers alike
    except UnidentifiedImageError:
        return None   # an SVG cover, say: the page shows the title without a picture
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise CoverUnusable(f"the cover is a decompression bomb: {exc}") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise CoverUnusable(f"the cover cannot be decoded: {exc}") from None
    return thumbnail_jpeg(rgb, THUMB_WIDTH)


def catalog_context(entries: list[Entry]) -> dict:
    """Return what both templates show: the feed's title, id, author and date, and the entries."""
    series = {e.series for e in entries}
    title = series.pop() if len(series) == 1 and None not in series else "Booklets"
    authors = sorted({e.author for e in entries if e.author})
    author = ", ".join(authors) or title
    return {
        "title": title,
        "author": author,
        # Named after title and author, so the feed keeps its id as booklets come and go.
        "feed_id": uuid.uuid5(uuid.NAMESPACE_URL, f"booklet-catalog:{title}:{author}").urn,
        "updated": max((e.modified for e in entries), default=_EPOCH),
        "entries": entries,
        "opds_type": OPDS_TYPE,
        "epub_type": EPUB_TYPE,
    }


def format_size(size: int) -> str:
    """Return *size* in bytes as KiB under one MiB, else MiB with one decimal."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def format_date(stamp: str) -> str:
    """Return an ISO 8601 UTC time as '24 November 2026'."""
    try:
        day = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return stamp
    months = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")   # not %B: that follows the locale
    return f"{day.day} {months[day.month - 1]} {day.year}"


def language_name(code: str | None) -> str:
    """Return a language's own name for a BCP 47 tag, or the tag itself when unknown."""
    if not code:
        return "unknown"
    return _LANGUAGES.get(code.split("-")[0].lower(), code)


def write_if_changed(path: Path, data: bytes) -> None:
    """Write *data* atomically, leaving an identical file untouched so HTTP caches stay valid."""
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)   # a tablet loading the page mid-build sees the old file or the new
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

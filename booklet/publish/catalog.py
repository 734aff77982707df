"""The download catalog: a web page, an OPDS feed and cover thumbnails for the built EPUBs.

Everything is read back from the EPUB files in the output folder, not from the build in
memory, so building one booklet still lists the others already built beside it.
"""
from __future__ import annotations

import io
import os
import posixpath
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

from lxml import etree
from PIL import Image, UnidentifiedImageError

from booklet.incremental.cache import Cache, tool_hash
from booklet.incremental.cache import key as cache_key
from booklet.errors import BookletError, ContentError, Problem
from booklet.render.cover import THUMB_WIDTH
from booklet.figures.imaging import thumbnail_jpeg, to_rgb
from booklet.read.reader import find_slugs
from booklet.render.theme import make_environment, render_template
from booklet.render.xhtml import CONTAINER_NS, EPUB_NS, OPF_NS, XHTML_NS

OPDS_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
EPUB_TYPE = "application/epub+zip"
NS = {"opf": OPF_NS, "dc": "http://purl.org/dc/elements/1.1/", "c": CONTAINER_NS, "x": XHTML_NS,
      "epub": EPUB_NS}
_EPUB_TYPE_ATTR = "{http://www.idpf.org/2007/ops}type"
# Front matter the nav lists but a reader choosing a booklet does not think of as chapters.
_NOT_CHAPTERS = {"cover", "titlepage", "toc", "landmarks"}
_MATTER = {"cover", "frontmatter", "backmatter"}
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
            entries.append(_cached_entry(epub, out, cache))
        except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ContentError) as exc:
            # A damaged leftover must not stop the catalog; say so beside the build's warnings.
            _warn(results, slug, f"{epub.name} left out of the catalog: {exc}", epub)
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
    for result in results:
        if result.slug == slug:
            result.warnings.append(Problem(message, path))


def parse_entry(epub: Path, slug: str, cache: Cache | None = None) -> tuple[Entry, tuple | None]:
    """One EPUB's metadata, chapter titles and cover thumbnail (JPEG bytes and size), or None."""
    with zipfile.ZipFile(epub) as archive:
        opf_path = _opf_path(archive)
        opf = etree.fromstring(archive.read(opf_path))
        meta = read_metadata(opf)
        manifest = _manifest(opf, posixpath.dirname(opf_path))
        nav = _item_with(manifest, "nav")
        chapters = read_chapters(archive, nav) if nav else ()
        cover = _item_with(manifest, "cover-image") or _legacy_cover(opf, manifest)
        cover_data = archive.read(cover) if cover else None
        if not meta.get("modified"):
            meta["modified"] = _zip_time(archive.getinfo(opf_path))
    entry = Entry(slug=slug, href=f"{slug}.epub", size=epub.stat().st_size, chapters=chapters, **meta)
    thumb = cached_thumbnail(cover_data, cache) if cover_data else None
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
    while its workers run, so that the catalog at the end is quick."""
    env = make_environment(root)
    for name in ("index.html.j2", "opds.xml.j2"):
        try:
            env.get_template(name)
        except Exception:       # noqa: BLE001 - reported where the template is rendered
            pass


def _opf_path(archive: zipfile.ZipFile) -> str:
    container = etree.fromstring(archive.read("META-INF/container.xml"))
    rootfile = container.find(".//c:rootfile", NS)
    if rootfile is None or not rootfile.get("full-path"):
        raise ContentError("META-INF/container.xml names no package document")
    return rootfile.get("full-path")


def read_metadata(opf) -> dict:
    """Return the catalog's fields from an OPF package element."""
    metadata = opf.find("opf:metadata", NS)
    refines = _refinements(metadata)
    titles = metadata.findall("dc:title", NS)
    kinds = [refines.get(t.get("id"), {}).get("title-type") for t in titles]
    main = next((t for t, k in zip(titles, kinds) if k == "main"), titles[0] if titles else None)
    subtitle = next((t for t, k in zip(titles, kinds) if k == "subtitle"), None)
    series = metadata.find("opf:meta[@property='belongs-to-collection']", NS)
    position = refines.get(series.get("id"), {}).get("group-position") if series is not None else None
    return {
        "identifier": _text(_identifier(opf, metadata)) or "",
        "title": _text(main) or "Untitled",
        "subtitle": _text(subtitle),
        "author": _text(metadata.find("dc:creator", NS)),
        "description": _text(metadata.find("dc:description", NS)),
        "language": _text(metadata.find("dc:language", NS)),
        "modified": _text(metadata.find("opf:meta[@property='dcterms:modified']", NS)),
        "series": _text(series),
        "series_index": _number(position),
        "subjects": tuple(_text(s) for s in metadata.findall("dc:subject", NS) if _text(s)),
    }


def _refinements(metadata) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for meta in metadata.findall("opf:meta[@refines]", NS):
        target = meta.get("refines").lstrip("#")
        found.setdefault(target, {})[meta.get("property")] = _text(meta)
    return found


def _identifier(opf, metadata):
    unique = opf.get("unique-identifier")
    for ident in metadata.findall("dc:identifier", NS):
        if ident.get("id") == unique:
            return ident
    return metadata.find("dc:identifier", NS)


def _text(element) -> str | None:
    if element is None:
        return None
    text = " ".join("".join(element.itertext()).split())
    return text or None


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _manifest(opf, base: str) -> list[tuple[str, str, set[str]]]:
    """Return (id, path in the zip, properties) for each manifest item."""
    items = []
    for item in opf.findall("opf:manifest/opf:item", NS):
        path = posixpath.normpath(posixpath.join(base, unquote(item.get("href", ""))))
        items.append((item.get("id"), path, set((item.get("properties") or "").split())))
    return items


def _item_with(manifest, prop: str) -> str | None:
    return next((path for _, path, props in manifest if prop in props), None)


def _legacy_cover(opf, manifest) -> str | None:
    # EPUB 2 named the cover with <meta name="cover" content="item id">.
    meta = opf.find("opf:metadata/opf:meta[@name='cover']", NS)
    wanted = meta.get("content") if meta is not None else None
    return next((path for ident, path, _ in manifest if ident == wanted), None)


def _zip_time(info: zipfile.ZipInfo) -> str:
    return datetime(*info.date_time).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_chapters(archive: zipfile.ZipFile, nav_path: str) -> tuple[str, ...]:
    """Return the titles of the top-level table of contents entries that are chapters."""
    tree = etree.fromstring(archive.read(nav_path))
    by_type = {kind: nav for nav in tree.iter("{%s}nav" % NS["x"])
               for kind in nav.get(_EPUB_TYPE_ATTR, "").split()}
    toc = by_type.get("toc")
    if toc is None:
        return ()
    skip = _front_matter(by_type.get("landmarks"))
    base = posixpath.dirname(nav_path)
    titles = []
    for item in toc.findall("x:ol/x:li", NS):
        link = item.find("x:a", NS)
        label = _text(link if link is not None else item.find("x:span", NS))
        href = unquote(link.get("href", "").split("#")[0]) if link is not None else ""
        target = posixpath.normpath(posixpath.join(base, href)) if href else ""
        if label and href not in skip and not _is_matter(archive, target):
            titles.append(label)
    return tuple(titles)


def _front_matter(landmarks) -> set[str]:
    if landmarks is None:
        return set()
    return {a.get("href", "").split("#")[0] for a in landmarks.iter("{%s}a" % NS["x"])
            if set(a.get(_EPUB_TYPE_ATTR, "").split()) & _NOT_CHAPTERS}


def _is_matter(archive: zipfile.ZipFile, path: str) -> bool:
    """Say whether the document at *path* is marked as cover, front matter or back matter."""
    if path not in archive.namelist():
        return False
    body = etree.fromstring(archive.read(path)).find("x:body", NS)
    kinds = set(body.get(_EPUB_TYPE_ATTR, "").split()) if body is not None else set()
    return bool(kinds & _MATTER)


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


def make_thumbnail(data: bytes) -> tuple[bytes, tuple[int, int]] | None:
    """Return a JPEG about THUMB_WIDTH px wide and its size, or None for a format Pillow can't read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            rgb = to_rgb(image)   # 16-bit, palette, CMYK and transparent covers alike
    except (UnidentifiedImageError, OSError):
        return None   # an SVG cover, say: the page shows the title without a picture
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

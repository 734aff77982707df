"""Package rendered pages and resources into an EPUB 3 with ebooklib, byte for byte reproducibly."""
from __future__ import annotations

import hashlib
import re
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

from ebooklib import epub

from booklet import __version__
from booklet.model import Metadata, RenderedBooklet
from booklet.render.xhtml import MATHML_NS, SVG_NS, XHTML_NS, has_element

IBOOKS_PREFIX = "ibooks: http://vocabulary.itunes.apple.com/rdf/ibooks/vocabulary-extensions-1.0/"
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
#: Files that are compressed already: stored as they are, since deflating them again
#: costs time and saves under 5% (measured: 4% on a booklet's PNG figures).
PACKED_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2", ".mp4", ".m4v",
                   ".webm", ".mp3", ".m4a", ".ogg", ".opus")


class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile whose entries all carry one fixed time, so rebuilds give the same bytes.

    ebooklib 0.20 calls writestr with plain names, which zipfile stamps with the wall clock.
    """

    date_time = (1980, 1, 1, 0, 0, 0)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            if compress_type is None and zinfo_or_arcname.lower().endswith(PACKED_SUFFIXES):
                compress_type = zipfile.ZIP_STORED
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, self.date_time)
            zinfo_or_arcname.compress_type = compress_type if compress_type is not None else self.compression
            zinfo_or_arcname.external_attr = 0o644 << 16
        if isinstance(data, str):
            data = data.encode("utf-8")
        level = compresslevel if compresslevel is not None else self.compresslevel
        if zinfo_or_arcname.compress_type == zipfile.ZIP_DEFLATED and len(data) >= REUSE_DEFLATE_BYTES:
            self._write_deflated(zinfo_or_arcname, data, level)
        else:
            super().writestr(zinfo_or_arcname, data, compress_type, level)

    def _write_deflated(self, zinfo: zipfile.ZipInfo, data: bytes, level: int | None) -> None:
        """Write a large entry whose deflated bytes this process may have made before.

        The theme's fonts are the same in every booklet and deflating them was half of the
        packaging time; the stream is the one zipfile itself would write (a raw deflate at
        the same level), made once per process and replayed.
        """
        level = -1 if level is None else level
        key = (hashlib.blake2b(data, digest_size=16).digest(), level)
        deflated = _DEFLATED.get(key)
        if deflated is None:
            compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
            deflated = _DEFLATED[key] = compressor.compress(data) + compressor.flush()
        zinfo.file_size = len(data)
        with self.open(zinfo, mode="w") as dest:
            if not hasattr(dest, "_compressor"):     # a zipfile without the hook: deflate anew
                dest.write(data)
                return
            dest._compressor = _Replay(deflated)
            dest.write(data)                         # CRC and sizes from the data, bytes replayed


class _Replay:
    """Stands in for zlib's compressor: hands back a stream deflated earlier."""

    def __init__(self, deflated: bytes):
        self.deflated = deflated

    def compress(self, data: bytes) -> bytes:
        out, self.deflated = self.deflated, b""
        return out

    def flush(self) -> bytes:
        return b""


#: Entries of at least this many bytes have their deflated stream remembered per process.
REUSE_DEFLATE_BYTES = 32_768
_DEFLATED: dict[tuple[bytes, int], bytes] = {}


class _Writer(epub.EpubWriter):
    def __init__(self, name, book, modified: datetime):
        super().__init__(name, book, {"mtime": modified, "epub2_guide": False})
        self.modified = modified

    def _write_opf_file(self, root):
        # Ace's epub-lang: the package element names the language too, not only dc:language.
        root.set("{http://www.w3.org/XML/1998/namespace}lang", self.book.get_metadata("DC", "language")[0][0])
        super()._write_opf_file(root)

    def write(self):
        _FixedTimeZip.date_time = self.modified.timetuple()[:6]
        # zlib's default level: level 9 took twice as long on the fonts for 0.3% fewer bytes.
        with _FixedTimeZip(self.file_name, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as self.out:
            self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
            self._write_container()
            self._write_opf()
            self._write_items()


def item_id(href: str) -> str:
    """Return a stable manifest id for *href*."""
    ident = re.sub(r"[^A-Za-z0-9_-]+", "-", href).strip("-")
    return ident if ident[:1].isalpha() else f"item-{ident}"


def build_book(rendered: RenderedBooklet) -> epub.EpubBook:
    """Assemble the ebooklib book: metadata, manifest, spine."""
    book = epub.EpubBook()
    book.metadata = {}
    book.prefixes = [IBOOKS_PREFIX]
    meta = rendered.booklet.meta
    _add_metadata(book, meta, rendered)
    spine = []
    for page in rendered.pages:
        item = epub.EpubItem(uid=item_id(page.href), file_name=page.href,
                             media_type="application/xhtml+xml", content=page.xhtml.encode("utf-8"))
        item.properties = _page_properties(page.href, page.xhtml)
        item.is_linear = page.linear
        book.add_item(item)
        if page.kind != "nav":
            spine.append(item)
        if page.kind == "titlepage":
            spine.append(item_id("nav.xhtml"))
    for resource in rendered.resources:
        uid = "ncx" if resource.href == "toc.ncx" else item_id(resource.href)
        item = epub.EpubItem(uid=uid, file_name=resource.href, media_type=resource.media_type,
                             content=resource.data)
        item.properties = list(resource.properties)
        book.add_item(item)
    book.spine = spine
    return book


def _page_properties(href: str, xhtml: str) -> list[str]:
    properties = ["nav"] if href == "nav.xhtml" else []
    if has_element(xhtml, "script", XHTML_NS):
        properties.append("scripted")
    if has_element(xhtml, "svg", SVG_NS):
        properties.append("svg")
    if has_element(xhtml, "math", MATHML_NS):
        properties.append("mathml")
    return properties


def _add_metadata(book: epub.EpubBook, meta: Metadata, rendered: RenderedBooklet) -> None:
    book.set_identifier(meta.identifier)
    book.add_metadata("DC", "title", meta.title, {"id": "title"})
    _refine(book, "title", "title-type", "main")
    if meta.subtitle:
        book.add_metadata("DC", "title", meta.subtitle, {"id": "subtitle"})
        _refine(book, "subtitle", "title-type", "subtitle")
    book.add_metadata("DC", "language", meta.language)
    book.add_metadata("DC", "creator", meta.author, {"id": "creator"})
    _refine(book, "creator", "role", "aut", scheme="marc:relators")
    for key in ("publisher", "rights", "description", "date"):
        value = getattr(meta, key)
        if value:
            book.add_metadata("DC", key, value)
    for subject in meta.subjects:
        book.add_metadata("DC", "subject", subject)
    if meta.series:
        book.add_metadata("OPF", "meta", meta.series, {"property": "belongs-to-collection", "id": "series"})
        _refine(book, "series", "collection-type", "series")
        if meta.series_index is not None:
            index = meta.series_index
            _refine(book, "series", "group-position", str(int(index)) if index.is_integer() else str(index))
    cover_id = item_id(rendered.cover_href)
    book.add_metadata("OPF", "meta", "", {"name": "cover", "content": cover_id})
    book.add_metadata("OPF", "meta", "", {"name": "generator", "content": f"booklet {__version__}"})
    book.add_metadata("OPF", "meta", "true", {"property": "ibooks:specified-fonts"})
    _accessibility(book, meta, rendered)


def _accessibility(book: epub.EpubBook, meta: Metadata, rendered: RenderedBooklet) -> None:
    has_images = any(r.media_type.startswith("image/") for r in rendered.resources)
    has_video = any(r.media_type.startswith("video/") for r in rendered.resources)
    modes = ["textual"] + (["visual"] if has_images or has_video else [])
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if has_images:
        features.append("alternativeText")
    for mode in modes:
        _property(book, "schema:accessMode", mode)
    _property(book, "schema:accessModeSufficient", "textual")
    if len(modes) > 1:
        _property(book, "schema:accessModeSufficient", ",".join(modes))
    for feature in features:
        _property(book, "schema:accessibilityFeature", feature)
    _property(book, "schema:accessibilityHazard", "none")
    summary = meta.accessibility_summary or (
        "Reflowable text with headings, a table of contents and landmarks. Every image has alternative text "
        "and every annotated figure has its trigger points and pain zones listed in text below it. "
        "Review quizzes work without scripts. No known hazards.")
    _property(book, "schema:accessibilitySummary", summary)
    _property(book, "dcterms:conformsTo", CONFORMS_TO)
    _property(book, "a11y:certifiedBy", meta.publisher or meta.author)


def _property(book: epub.EpubBook, prop: str, value: str) -> None:
    book.add_metadata("OPF", "meta", value, {"property": prop})


def _refine(book: epub.EpubBook, target: str, prop: str, value: str, scheme: str | None = None) -> None:
    attrs = {"refines": f"#{target}", "property": prop}
    if scheme:
        attrs["scheme"] = scheme
    book.add_metadata("OPF", "meta", value, attrs)


def write_epub(rendered: RenderedBooklet, path: Path) -> None:
    """Write the EPUB to *path* (the caller renames it into place after validation)."""
    modified = datetime.strptime(rendered.modified, "%Y-%m-%dT%H:%M:%SZ")
    book = build_book(rendered)
    _Writer(str(path), book, modified).write()

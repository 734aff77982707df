"""An EPUB opened in memory for the lint: its files, package document, spine and parsed XHTML."""
from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from booklet.render.xhtml import CONTAINER_NS as CONTAINER
from booklet.render.xhtml import EPUB_NS as OPS
from booklet.render.xhtml import OPF_NS as OPF
from booklet.render.xhtml import SVG_NS as SVG
from booklet.render.xhtml import XHTML_NS as XHTML
from booklet.urls import is_remote  # noqa: F401 - the rules import it from here

XLINK = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = f"{{{OPS}}}type"
CONTAINER_NS = {"c": CONTAINER}
XHTML_TYPES = ("application/xhtml+xml", "text/html")


class NotAnEpub(Exception):
    """The file cannot be read as a zip with a container and a package document."""


@dataclass(frozen=True)
class Item:
    """A manifest item: its path inside the zip and what the package says of it."""

    id: str
    path: str
    media_type: str
    properties: tuple[str, ...]
    line: int | None


@dataclass(frozen=True)
class Parsed:
    """A parsed XML file, or why it could not be parsed."""

    root: etree._Element | None
    error: str | None = None
    line: int | None = None
    col: int | None = None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def parse_xml(data: bytes) -> Parsed:
    """Parse *data* keeping line numbers; a syntax error is returned, not raised."""
    try:
        return Parsed(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (None, None)
        return Parsed(None, exc.msg or str(exc), line, col)


class Epub:
    """The files of an EPUB, read once, with the package document's view of them."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            with zipfile.ZipFile(self.path) as archive:
                self.files = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
        except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
            raise NotAnEpub(f"cannot be read as a zip: {exc}") from exc
        self.opf_path = self._rootfile()
        parsed = parse_xml(self.files[self.opf_path])
        if parsed.root is None:
            raise NotAnEpub(f"{self.opf_path} is not well-formed XML: {parsed.error}")
        self.opf = parsed.root
        self._parsed: dict[str, Parsed] = {}

    def _rootfile(self) -> str:
        data = self.files.get("META-INF/container.xml")
        root = parse_xml(data).root if data is not None else None
        found = root.xpath("//c:rootfile/@full-path", namespaces=CONTAINER_NS) if root is not None else []
        if not found or found[0] not in self.files:
            raise NotAnEpub("no package document: META-INF/container.xml is missing, broken, or names "
                            "a file that is not in the EPUB")
        return found[0]

    @cached_property
    def manifest(self) -> dict[str, Item]:
        """Manifest items by path inside the zip, in manifest order."""
        items = {}
        for node in self.opf.iterfind(f"{{{OPF}}}manifest/{{{OPF}}}item"):
            href = node.get("href")
            if not href:
                continue
            path = self.resolve(self.opf_path, href)
            if path is None:
                continue
            items[path] = Item(node.get("id", ""), path, node.get("media-type", ""),
                               tuple((node.get("properties") or "").split()), node.sourceline)
        return items

    @cached_property
    def spine(self) -> list[str]:
        """Paths of the spine's documents, in reading order."""
        by_id = {item.id: item.path for item in self.manifest.values()}
        refs = self.opf.iterfind(f"{{{OPF}}}spine/{{{OPF}}}itemref")
        return [by_id[ref.get("idref")] for ref in refs if ref.get("idref") in by_id]

    @cached_property
    def documents(self) -> list[str]:
        """XHTML content documents: the manifest's, or every .xhtml/.html file when it lists none."""
        listed = [p for p, item in self.manifest.items() if item.media_type in XHTML_TYPES and p in self.files]
        return listed or sorted(p for p in self.files if p.endswith((".xhtml", ".html", ".htm")))

    @cached_property
    def stylesheets(self) -> list[str]:
        listed = [p for p, item in self.manifest.items() if item.media_type == "text/css" and p in self.files]
        return listed or sorted(p for p in self.files if p.endswith(".css"))

    @cached_property
    def images(self) -> list[str]:
        """Raster and SVG images in the EPUB."""
        listed = {p for p, item in self.manifest.items() if item.media_type.startswith("image/")}
        found = {p for p in self.files if p.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"))}
        return sorted(p for p in listed | found if p in self.files)

    @cached_property
    def cover(self) -> str | None:
        """The cover image: the item with ``cover-image``, else the EPUB 2 ``<meta name="cover">``."""
        for path, item in self.manifest.items():
            if "cover-image" in item.properties:
                return path
        for meta in self.opf.iter(f"{{{OPF}}}meta"):
            if meta.get("name") == "cover":
                by_id = {item.id: item.path for item in self.manifest.values()}
                return by_id.get(meta.get("content"))
        return None

    @cached_property
    def metadata(self) -> etree._Element | None:
        return self.opf.find(f"{{{OPF}}}metadata")

    def parsed(self, path: str) -> Parsed:
        """The parsed file at *path* (cached)."""
        if path not in self._parsed:
            self._parsed[path] = parse_xml(self.files[path]) if path in self.files else Parsed(None, "missing")
        return self._parsed[path]

    def xhtml(self) -> list[tuple[str, etree._Element]]:
        """(path, root) of every well-formed content document."""
        return [(p, self.parsed(p).root) for p in self.documents if self.parsed(p).root is not None]

    def resolve(self, base: str, href: str) -> str | None:
        """The zip path *href* points at from the file *base*; None for remote or other-scheme URLs."""
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            return None
        if not parts.path:
            return base
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(parts.path)))
        return joined.lstrip("/")


def local_name(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def html_elements(root, name: str):
    """Every XHTML element *name* under *root*."""
    return root.iter(f"{{{XHTML}}}{name}")


def tokens(element, attribute: str) -> set[str]:
    return set((element.get(attribute) or "").split())

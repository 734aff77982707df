"""An EPUB as the lint sees it: booklet.epubfile's checked archive, its files read when asked, parsed XHTML."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lxml import etree

from booklet import epubfile
from booklet.epubfile import EpubFile, Item, NotAnEpub, UnsafeArchive, resolve_href  # noqa: F401 - re-exported

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


@dataclass(frozen=True)
class Parsed:
    """A parsed XML file, or why it could not be parsed."""

    root: etree._Element | None
    error: str | None = None
    line: int | None = None
    col: int | None = None


def parse_xml(data: bytes) -> Parsed:
    """Parse *data* keeping line numbers; a syntax error is returned, not raised."""
    try:
        return Parsed(epubfile.parse_xml(data))
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (None, None)
        return Parsed(None, exc.msg or str(exc), line, col)


class Entries(Mapping):
    """The files of an EPUB by name, each read (bounded) the first time a rule asks for it."""

    def __init__(self, book: EpubFile):
        self._book = book
        self._read: dict[str, bytes] = {}

    def __getitem__(self, name: str) -> bytes:
        if name not in self._read:
            self._read[name] = self._book.read(name)
        return self._read[name]

    def __iter__(self):
        return iter(self._book.namelist())

    def __len__(self) -> int:
        return len(self._book.namelist())

    def __contains__(self, name) -> bool:
        return name in self._book.namelist()


class Epub:
    """An EPUB for the lint: its files (read when asked), the package document's view, parsed XHTML."""

    def __init__(self, book: EpubFile | Path | str):
        if not isinstance(book, EpubFile):
            book = EpubFile(book)       # closed with the zip file when the Epub goes
        self.book = book
        self.path = book.path
        self.files = Entries(book)
        self.opf_path = book.opf_path
        self.opf = book.opf
        self.manifest = book.manifest
        self.spine = book.spine
        self.cover = book.cover
        self._parsed: dict[str, Parsed] = {}

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
        return resolve_href(base, href)


def local_name(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def html_elements(root, name: str):
    """Every XHTML element *name* under *root*."""
    return root.iter(f"{{{XHTML}}}{name}")


def tokens(element, attribute: str) -> set[str]:
    return set((element.get(attribute) or "").split())

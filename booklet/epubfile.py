"""Read an EPUB that may be anyone's: its archive checked first, its entries read as bounded streams.

The one reader of EPUB files (issue 14): the lint, ``booklet validate``, the catalog and the
preview open EPUBs here. A hostile archive (issue 15) has entries named ``../../.bashrc``
or ``/etc/cron.d/x``, names that collide, or a 2 GiB entry in a 2 MB file; each is found
from the central directory alone, before one byte of an entry is inflated.
"""
from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from booklet.errors import ContentError
from booklet.limits import (MAX_COMPRESSION_RATIO, MAX_ENTRY_BYTES, MAX_EPUB_BYTES, MAX_EPUB_ENTRIES,
                            MAX_XML_BYTES, RATIO_FLOOR)

CONTAINER_PATH = "META-INF/container.xml"
OPF_NS = "http://www.idpf.org/2007/opf"
CONTAINER_NS = "urn:oasis:names:tc:opendocument:xmlns:container"
_CHUNK = 1 << 16


class NotAnEpub(ContentError):
    """The file cannot be read as a zip with a container and a package document."""


class UnsafeArchive(NotAnEpub):
    """The archive's entries are named or sized as an attack would have them."""

    def __init__(self, problems: list[ArchiveProblem], path: Path | str | None = None):
        super().__init__(problems[0].message, path, hint="do not unpack or open this file")
        self.problems = problems


@dataclass(frozen=True)
class ArchiveProblem:
    """One entry that may not be read: its name, and what is wrong with it."""

    entry: str
    message: str
    kind: str          # "name" or "size"


@dataclass(frozen=True)
class Item:
    """A manifest item: its path inside the zip and what the package says of it."""

    id: str
    path: str
    media_type: str
    properties: tuple[str, ...]
    line: int | None


def archive_problems(infos: list[zipfile.ZipInfo]) -> list[ArchiveProblem]:
    """Find entry names and sizes that must not be trusted, from the central directory alone."""
    problems = [p for info in infos for p in _entry_problems(info)]
    if len(infos) > MAX_EPUB_ENTRIES:
        problems.append(ArchiveProblem("", f"{len(infos):,} entries, over the limit of {MAX_EPUB_ENTRIES:,}",
                                       "size"))
    seen: dict[str, str] = {}
    for info in infos:
        key = unicodedata.normalize("NFC", info.filename.rstrip("/")).casefold()
        if key in seen:
            problems.append(ArchiveProblem(info.filename, f"entry {info.filename!r} collides with "
                                                          f"{seen[key]!r} (names equal when case is ignored)",
                                           "name"))
        seen.setdefault(key, info.filename)
    total = sum(info.file_size for info in infos)
    if total > MAX_EPUB_BYTES:
        problems.append(ArchiveProblem("", f"entries unpack to {total:,} bytes, over the limit of "
                                           f"{MAX_EPUB_BYTES:,}", "size"))
    return problems


def _entry_problems(info: zipfile.ZipInfo) -> list[ArchiveProblem]:
    name, problems = info.filename, []
    parts = name.split("/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        problems.append(ArchiveProblem(name, f"entry {name!r} has an absolute name", "name"))
    if "\\" in name:
        problems.append(ArchiveProblem(name, f"entry {name!r} has a backslash in its name", "name"))
    if ".." in parts or ".." in name.split("\\"):
        problems.append(ArchiveProblem(name, f"entry {name!r} climbs out of the archive with ..", "name"))
    if "\0" in name or any(ord(c) < 32 for c in name):
        problems.append(ArchiveProblem(name, f"entry {name!r} has a control character in its name", "name"))
    if info.file_size > MAX_ENTRY_BYTES:
        problems.append(ArchiveProblem(name, f"entry {name!r} unpacks to {info.file_size:,} bytes, over the "
                                             f"limit of {MAX_ENTRY_BYTES:,}", "size"))
    elif info.file_size > RATIO_FLOOR and info.file_size > MAX_COMPRESSION_RATIO * max(1, info.compress_size):
        ratio = info.file_size / max(1, info.compress_size)
        problems.append(ArchiveProblem(name, f"entry {name!r} is compressed {ratio:,.0f} to 1, over the limit "
                                             f"of {MAX_COMPRESSION_RATIO} to 1 (a decompression bomb?)", "size"))
    return problems


def parse_xml(data: bytes):
    """Parse XML from an EPUB with no entities, DTDs or network: the tree, or raise XMLSyntaxError."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(data, parser)


class EpubFile:
    """An EPUB opened for reading: checked entries, bounded reads, the package document's view."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError) as exc:
            raise NotAnEpub(f"cannot be read as a zip: {exc}", self.path) from None
        infos = self._zip.infolist()
        problems = archive_problems(infos)
        if problems:
            self._zip.close()
            raise UnsafeArchive(problems, self.path)
        self._infos = {info.filename: info for info in infos if not info.is_dir()}

    def __enter__(self) -> EpubFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def namelist(self) -> list[str]:
        """The names of the files (not folders) in the archive, in archive order."""
        return list(self._infos)

    def getinfo(self, name: str) -> zipfile.ZipInfo:
        return self._infos[name]

    def size(self, name: str) -> int:
        return self._infos[name].file_size

    def read(self, name: str, limit: int = MAX_ENTRY_BYTES) -> bytes:
        """Return the entry *name*, read as a stream that stops at its declared size and *limit*."""
        info = self._infos[name]          # KeyError for a missing entry, as zipfile has it
        if info.file_size > limit:
            raise NotAnEpub(f"entry {name!r} is {info.file_size:,} bytes, over the limit of {limit:,}",
                            self.path)
        chunks, total = [], 0
        try:
            with self._zip.open(info) as stream:     # zipfile stops at file_size and checks the CRC
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise NotAnEpub(f"entry {name!r} unpacks to more than {limit:,} bytes", self.path)
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
            raise NotAnEpub(f"entry {name!r} cannot be read: {exc}", self.path) from None
        return b"".join(chunks)

    def xml(self, name: str):
        """Parse the XML entry *name* (raises KeyError, NotAnEpub or etree.XMLSyntaxError)."""
        return parse_xml(self.read(name, MAX_XML_BYTES))

    @cached_property
    def opf_path(self) -> str:
        """The package document's path, as META-INF/container.xml names it."""
        try:
            container = self.xml(CONTAINER_PATH)
        except (KeyError, etree.XMLSyntaxError):
            container = None
        found = container.xpath("//c:rootfile/@full-path", namespaces={"c": CONTAINER_NS}) \
            if container is not None else []
        if not found or found[0] not in self._infos:
            raise NotAnEpub("no package document: META-INF/container.xml is missing, broken, or names "
                            "a file that is not in the EPUB", self.path)
        return found[0]

    @cached_property
    def opf(self):
        """The parsed package document."""
        try:
            return self.xml(self.opf_path)
        except etree.XMLSyntaxError as exc:
            raise NotAnEpub(f"{self.opf_path} is not well-formed XML: {exc.msg}", self.path) from None

    @cached_property
    def manifest(self) -> dict[str, Item]:
        """Manifest items by path inside the zip, in manifest order."""
        items = {}
        for node in self.opf.iterfind(f"{{{OPF_NS}}}manifest/{{{OPF_NS}}}item"):
            href = node.get("href")
            path = resolve_href(self.opf_path, href) if href else None
            if path is not None:
                items[path] = Item(node.get("id", ""), path, node.get("media-type", ""),
                                   tuple((node.get("properties") or "").split()), node.sourceline)
        return items

    @cached_property
    def spine(self) -> list[str]:
        """Paths of the spine's documents, in reading order."""
        by_id = {item.id: item.path for item in self.manifest.values()}
        refs = self.opf.iterfind(f"{{{OPF_NS}}}spine/{{{OPF_NS}}}itemref")
        return [by_id[ref.get("idref")] for ref in refs if ref.get("idref") in by_id]

    def item_with(self, prop: str) -> str | None:
        """The path of the first manifest item with the property *prop* (``nav``, ``cover-image``)."""
        return next((path for path, item in self.manifest.items() if prop in item.properties), None)

    @cached_property
    def cover(self) -> str | None:
        """The cover image: the item with ``cover-image``, else the EPUB 2 ``<meta name="cover">``."""
        found = self.item_with("cover-image")
        if found is not None:
            return found
        for meta in self.opf.iter(f"{{{OPF_NS}}}meta"):
            if meta.get("name") == "cover":
                by_id = {item.id: item.path for item in self.manifest.values()}
                return by_id.get(meta.get("content"))
        return None

    def extract_to(self, folder: Path) -> Path:
        """Unpack every entry under *folder* (names were checked: none can leave it); return it."""
        folder = Path(folder)
        for name in self._infos:
            target = folder.joinpath(*name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.read(name))
        return folder


def resolve_href(base: str, href: str) -> str | None:
    """The zip path *href* points at from the file *base*; None for remote or other-scheme URLs."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return base
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(parts.path)))
    return joined.lstrip("/")

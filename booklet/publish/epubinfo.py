"""What the catalog shows of an EPUB opened as a checked ``EpubFile``: the package
metadata and the chapter titles of its navigation document."""
from __future__ import annotations

import posixpath
import zipfile
from datetime import datetime
from urllib.parse import unquote

from booklet.epubfile import EpubFile
from booklet.render.xhtml import CONTAINER_NS, EPUB_NS, OPF_NS, XHTML_NS

NS = {"opf": OPF_NS, "dc": "http://purl.org/dc/elements/1.1/", "c": CONTAINER_NS, "x": XHTML_NS,
      "epub": EPUB_NS}
_EPUB_TYPE_ATTR = "{http://www.idpf.org/2007/ops}type"
# Front matter the nav lists but a reader choosing a booklet does not think of as chapters.
_NOT_CHAPTERS = {"cover", "titlepage", "toc", "landmarks"}
_MATTER = {"cover", "frontmatter", "backmatter"}


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


def zip_time(info: zipfile.ZipInfo) -> str:
    return datetime(*info.date_time).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_chapters(archive: EpubFile, nav_path: str) -> tuple[str, ...]:
    """Return the titles of the top-level table of contents entries that are chapters."""
    tree = archive.xml(nav_path)
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


def _is_matter(archive: EpubFile, path: str) -> bool:
    """Say whether the document at *path* is marked as cover, front matter or back matter."""
    if path not in archive.namelist():
        return False
    body = archive.xml(path).find("x:body", NS)
    kinds = set(body.get(_EPUB_TYPE_ATTR, "").split()) if body is not None else set()
    return bool(kinds & _MATTER)

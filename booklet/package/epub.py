"""Package rendered pages and resources into an EPUB 3, byte for byte reproducibly.

As Sphinx's EPUB builder does, each package file is written by a step named after it
from a template named after it (``container.xml.j2``, ``content.opf.j2``); navigation
(``nav.xhtml``, ``toc.ncx``) is rendered with the pages.  The zip is plain
:mod:`zipfile` with one ``ZipInfo`` per entry: ``mimetype`` first and stored, the rest in
sorted order, all with the book's modification time.

ebooklib is not used here: its public writer stamps entries with the wall clock and
writes its own OPF, which cannot carry the metadata below without overriding its
private methods (issue 14).
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from booklet import __version__
from booklet.model import Metadata, RenderedBooklet
from booklet.render.theme import make_environment, render_template
from booklet.render.xhtml import MATHML_NS, SVG_NS, XHTML_NS, has_element

OPF_PATH = "EPUB/content.opf"
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
#: Files that are compressed already: stored as they are, since deflating them again
#: costs time and saves under 5% (measured: 4% on a booklet's PNG figures).
PACKED_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2", ".mp4", ".m4v",
                   ".webm", ".mp3", ".m4a", ".ogg", ".opus")
#: Measured on a booklet's 516 KB of fonts and 255 KB of text: level 2 took 9 ms and wrote
#: 363 KB, zlib's default level 6 took 19 ms and wrote 340 KB (and level 9 twice that again).
DEFLATE_LEVEL = 2


@dataclass(frozen=True)
class ManifestItem:
    id: str
    href: str
    media_type: str
    properties: str = ""


@dataclass(frozen=True)
class SpineItem:
    idref: str
    linear: bool = True


def item_id(href: str) -> str:
    """Return a stable manifest id for *href*."""
    ident = re.sub(r"[^A-Za-z0-9_-]+", "-", href).strip("-")
    return ident if ident[:1].isalpha() else f"item-{ident}"


def manifest(rendered: RenderedBooklet) -> list[ManifestItem]:
    """Every page and resource, in reading order and then as rendered."""
    items = [ManifestItem(item_id(p.href), p.href, "application/xhtml+xml", " ".join(_page_properties(p)))
             for p in rendered.pages]
    for resource in rendered.resources:
        ident = "ncx" if resource.href == "toc.ncx" else item_id(resource.href)
        items.append(ManifestItem(ident, resource.href, resource.media_type, " ".join(resource.properties)))
    return items


def spine(rendered: RenderedBooklet) -> list[SpineItem]:
    """The reading order: every page but the contents, which comes after the title page."""
    refs = []
    for page in rendered.pages:
        if page.kind != "nav":
            refs.append(SpineItem(item_id(page.href), page.linear))
        if page.kind == "titlepage":
            refs.append(SpineItem(item_id("nav.xhtml")))
    return refs


def _page_properties(page) -> list[str]:
    properties = ["nav"] if page.href == "nav.xhtml" else []
    for name, namespace in (("script", XHTML_NS), ("svg", SVG_NS), ("math", MATHML_NS)):
        if has_element(page.xhtml, name, namespace):
            properties.append({"script": "scripted", "svg": "svg", "math": "mathml"}[name])
    return properties


def accessibility(meta: Metadata, rendered: RenderedBooklet) -> list[tuple[str, str]]:
    """The schema.org accessibility metadata, as (property, value) pairs."""
    has_images = any(r.media_type.startswith("image/") for r in rendered.resources)
    has_video = any(r.media_type.startswith("video/") for r in rendered.resources)
    modes = ["textual"] + (["visual"] if has_images or has_video else [])
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    features += ["alternativeText"] if has_images else []
    pairs = [("schema:accessMode", mode) for mode in modes]
    pairs.append(("schema:accessModeSufficient", "textual"))
    if len(modes) > 1:
        pairs.append(("schema:accessModeSufficient", ",".join(modes)))
    pairs += [("schema:accessibilityFeature", feature) for feature in features]
    summary = meta.accessibility_summary or (
        "Reflowable text with headings, a table of contents and landmarks. Every image has alternative text "
        "and every annotated figure has its trigger points and pain zones listed in text below it. "
        "Review quizzes work without scripts. No known hazards.")
    return pairs + [("schema:accessibilityHazard", "none"), ("schema:accessibilitySummary", summary),
                    ("dcterms:conformsTo", CONFORMS_TO), ("a11y:certifiedBy", meta.publisher or meta.author)]


def build_content(rendered: RenderedBooklet, env) -> bytes:
    """Write content.opf: metadata, manifest, spine and the EPUB 2 guide."""
    meta = rendered.booklet.meta
    index = meta.series_index
    cover_page = next((p.href for p in rendered.pages if p.kind == "cover"), rendered.pages[0].href)
    return render_template(
        env, "content.opf.j2", meta=meta, modified=rendered.modified, version=__version__,
        series_index=None if index is None else str(int(index)) if index.is_integer() else str(index),
        cover_id=item_id(rendered.cover_href), cover_page=cover_page,
        accessibility=accessibility(meta, rendered), manifest=manifest(rendered),
        spine=spine(rendered)).encode("utf-8")


def build_container(env) -> bytes:
    """Write META-INF/container.xml, which points readers at content.opf."""
    return render_template(env, "container.xml.j2", opf_path=OPF_PATH).encode("utf-8")


def entries(rendered: RenderedBooklet) -> list[tuple[str, bytes]]:
    """Every file of the EPUB as (name in the zip, bytes): mimetype first, the rest sorted."""
    env = make_environment(rendered.booklet.root)
    files = {"META-INF/container.xml": build_container(env), OPF_PATH: build_content(rendered, env)}
    files.update((f"EPUB/{p.href}", p.xhtml.encode("utf-8")) for p in rendered.pages)
    files.update((f"EPUB/{r.href}", r.data) for r in rendered.resources)
    return [("mimetype", b"application/epub+zip"), *sorted(files.items())]


def write_zip(path: Path, files: list[tuple[str, bytes]], date_time: tuple) -> None:
    """Write *files* in order, each with its own ZipInfo: one fixed time, fixed permissions."""
    with open(path, "wb") as handle:
        archive = zipfile.ZipFile(handle, "w")
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time)
            stored = name == "mimetype" or name.lower().endswith(PACKED_SUFFIXES)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=None if stored else DEFLATE_LEVEL)
        # Closed only when complete: an interrupt mid-entry leaves a file the caller deletes,
        # not a "Can't close the ZIP file" error in place of the KeyboardInterrupt (issue 15).
        archive.close()


def write_epub(rendered: RenderedBooklet, path: Path) -> None:
    """Write the EPUB to *path* (the caller renames it into place after validation)."""
    modified = datetime.strptime(rendered.modified, "%Y-%m-%dT%H:%M:%SZ")
    write_zip(path, entries(rendered), modified.timetuple()[:6])

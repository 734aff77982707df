"""Open a built EPUB in the reading engines people use: MuPDF, Calibre, epub.js and foliate-js.

Shared by tests/test_readers.py (the reader matrix) and tools/reader_screenshots.py
(docs/readers.md). MuPDF comes through PyMuPDF, which is AGPL: it is imported here, in the
tests and tools, never by the booklet package. epub.js and foliate-js are npm packages
(package.json), found in node_modules/ or in a private prefix (.npm-readers/node_modules/).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parent.parent
NODE_DIRS = (REPO / "node_modules", REPO / ".npm-readers" / "node_modules")
XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
NS = {"h": XHTML_NS, "epub": EPUB_NS}
# Calibre renders with Qt WebEngine, whose sandbox cannot start as root or in a container.
CALIBRE_ENV = {"QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox", "QTWEBENGINE_DISABLE_SANDBOX": "1",
               "QT_QPA_PLATFORM": "offscreen"}
# What Calibre's log says when its CSS parser drops a rule or a declaration.
CSS_WARNING = re.compile(r"Prefix \S+ not found|Selector:|Property:|CSSStyle|Unexpected token|"
                         r"Invalid value|Unknown (?:property|@rule)|not a valid", re.IGNORECASE)
# Foliate's own reader hides these in the flow and opens them as popups (foliate-js reader.js).
FOLIATE_CSS = """@namespace epub "http://www.idpf.org/2007/ops";
aside[epub|type~="endnote"], aside[epub|type~="footnote"], aside[epub|type~="note"],
aside[epub|type~="rearnote"] { display: none; }"""


def node_package(name: str) -> Path | None:
    """The folder of an installed npm package, or None."""
    for base in NODE_DIRS:
        if (base / name / "package.json").is_file():
            return base / name
    return None


def package_version(name: str) -> str | None:
    import json

    folder = node_package(name)
    return json.loads((folder / "package.json").read_text("utf-8"))["version"] if folder else None


def norm(text: str) -> str:
    """Text as engines extract it, compared loosely: one space for any run of white space."""
    text = text.replace("\u00ad", "").replace("\u00a0", " ")
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)        # a word hyphenated at a line end
    return re.sub(r"\s+", " ", text).strip()


# -- what the EPUB holds ------------------------------------------------------------------

@dataclass
class Chapter:
    """One spine document: its href, its notes' texts, quiz answers and figures."""

    href: str
    title: str
    notes: list[str]            # the body of every note, as a reader should show it once
    answers: list[str]          # "Answer B: ..." of every quiz
    figures: list[tuple[str, str]]   # (caption, first words of the "Labelled on the figure" line)


def read_epub(epub: Path) -> list[Chapter]:
    """The spine documents of *epub*, in order, with what the reader tests look for."""
    with zipfile.ZipFile(epub) as archive:
        opf_path = "EPUB/content.opf"
        opf = etree.fromstring(archive.read(opf_path))
        opf_ns = {"o": "http://www.idpf.org/2007/opf"}
        items = {i.get("id"): i.get("href") for i in opf.iterfind(".//o:manifest/o:item", opf_ns)}
        hrefs = [items[r.get("idref")] for r in opf.iterfind(".//o:spine/o:itemref", opf_ns)]
        return [_chapter(href, etree.fromstring(archive.read(f"EPUB/{href}"))) for href in hrefs]


def _chapter(href: str, tree) -> Chapter:
    x = lambda path, node=tree: node.xpath(path, namespaces=NS)   # noqa: E731
    notes = []
    for aside in x("//h:aside[contains(concat(' ', @epub:type, ' '), ' footnote ')]"):
        body = "".join(t for n in x("./h:p", aside) for t in _note_text(n))
        notes.append(norm(body))
    answers = [norm("".join(k.itertext())) for k in x("//h:p[@class='quiz-key']")]
    figures = []
    for fig in x("//h:figure[contains(@class, 'tp-figure')]"):
        caption = norm("".join(x("string(./h:figcaption)", fig)))
        labels = norm(x("string(./h:p[@class='key-labels'])", fig))
        figures.append((caption, labels[:40]))
    title = norm(x("string(//h:title)"))
    return Chapter(href, title, [n for n in notes if len(n) >= 20], answers, figures)


def _note_text(node):
    """The text of a note paragraph without its number, label and back link."""
    yield node.text or ""
    for child in node:
        cls = child.get("class") or ""
        skipped = (child.tag in (f"{{{XHTML_NS}}}strong", f"{{{XHTML_NS}}}dfn")
                   or cls in ("note-number", "key-kind", "key-number", "note-back"))
        if not skipped:          # a label's own children (a point's number) go with it
            yield from _note_text(child)
        yield child.tail or ""


# -- MuPDF ----------------------------------------------------------------------------------

def mupdf_open(epub: Path, width: float, height: float, fontsize: float):
    """The EPUB laid out by MuPDF on pages of *width*×*height* pt at *fontsize* pt."""
    import pymupdf

    doc = pymupdf.open(epub)
    doc.layout(width=width, height=height, fontsize=fontsize)
    return doc


def mupdf_chapter_pages(doc) -> list[list[int]]:
    """Page numbers of each spine document, in spine order."""
    pages, start = [], 0
    for chapter in range(doc.chapter_count):
        count = doc.chapter_page_count(chapter)
        pages.append(list(range(start, start + count)))
        start += count
    return pages


def mupdf_find(page, text: str) -> float | None:
    """The top of the first text block of *page* holding *text*, or None."""
    for block in page.get_text("blocks"):
        if text in norm(block[4]):
            return block[1]
    return None


# -- Calibre --------------------------------------------------------------------------------

def calibre_tools() -> dict[str, str | None]:
    return {name: shutil.which(name) for name in ("ebook-convert", "ebook-meta", "pdftotext")}


def calibre_convert(epub: Path, target: Path, timeout: int = 300) -> str:
    """Convert *epub* to *target* (its suffix picks the format) with ebook-convert; return the log."""
    env = {**os.environ, **CALIBRE_ENV}
    done = subprocess.run(["ebook-convert", str(epub), str(target)], capture_output=True, text=True,
                          env=env, timeout=timeout)
    log = done.stdout + done.stderr
    if done.returncode != 0 or not target.is_file():
        raise RuntimeError(f"ebook-convert {epub.name} -> {target.suffix} failed:\n{log[-3000:]}")
    return log


def css_warnings(log: str) -> list[str]:
    return [line for line in log.splitlines() if CSS_WARNING.search(line)]


def ebook_meta(path: Path) -> dict[str, str]:
    """The fields ``ebook-meta`` prints, by name."""
    out = subprocess.run(["ebook-meta", str(path)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, **CALIBRE_ENV}).stdout
    fields = {}
    for line in out.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          timeout=120, check=True).stdout


# -- epub.js and foliate-js in Chromium -------------------------------------------------------

EPUBJS_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>epub.js</title>
<script src="lib/jszip/dist/jszip.min.js"></script>
<script src="lib/epubjs/dist/epub.min.js"></script>
<style>html, body { margin: 0; } #viewer { width: 820px; height: 1180px; }</style></head>
<body><div id="viewer"></div>
<script>
// epub.js's defaults: a sandboxed iframe without allow-scripts, so the book's scripts are blocked.
window.openBook = async (url) => {
  window.book = ePub(url);
  window.rendition = book.renderTo("viewer", {width: 820, height: 1180, flow: "paginated"});
  await book.ready;
  return book.spine.spineItems.map(item => item.href);
};
window.showItem = async (href) => {
  await rendition.display(href);
  const doc = rendition.getContents()[0].document;
  await doc.fonts.ready;
  const images = Array.from(doc.images).filter(i => i.complete && i.naturalWidth > 0).length;
  return {href: rendition.currentLocation().start.href, text: doc.body.innerText,
          images: images, frames: document.querySelectorAll("#viewer iframe").length};
};
</script></body></html>
"""

FOLIATE_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>foliate-js</title>
<style>html, body { margin: 0; } foliate-view { display: block; width: 820px; height: 1180px; }</style></head>
<body>
<script type="module">
import './lib/foliate-js/view.js'
import { FootnoteHandler } from './lib/foliate-js/footnotes.js'
const CSS = %s
window.openBook = async (url) => {
  const view = document.createElement('foliate-view')
  document.body.append(view)
  await view.open(url)
  view.renderer.setAttribute('flow', 'paginated')
  view.renderer.setStyles?.(CSS)
  const handler = new FootnoteHandler()
  // As Foliate's reader does: the popup's view goes into a dialog before it loads its section.
  const dialog = document.createElement('dialog')
  document.body.append(dialog)
  handler.addEventListener('before-render', e => {
    dialog.replaceChildren(e.detail.view)
    e.detail.view.renderer.setStyles?.(CSS)
  })
  handler.addEventListener('render', e => {
    const doc = e.detail.view.renderer.getContents()[0]?.doc
    window.popups.push({href: e.detail.href, type: e.detail.type, hidden: e.detail.hidden,
                        text: doc ? doc.body.textContent : null})
  })
  view.addEventListener('link', e => { window.pending.push(handler.handle(view.book, e)) })
  window.view = view
  window.dialog = dialog
  return {sections: view.book.sections.length, metadata: view.book.metadata}
}
window.showSection = async (index) => {
  await view.goTo(index)
  const doc = view.renderer.getContents().find(c => c.index === index).doc
  await doc.fonts.ready
  const notes = doc.querySelector('.notes')
  return {text: doc.body.innerText, rule: notes ? getComputedStyle(notes).borderTopStyle : null,
          refs: Array.from(doc.querySelectorAll('a')).filter(a =>
            (a.getAttributeNS('http://www.idpf.org/2007/ops', 'type') || '').split(/\\s+/).includes('noteref'))
            .map(a => a.getAttribute('href'))}
}
window.tapRefs = async (index) => {
  const doc = view.renderer.getContents().find(c => c.index === index).doc
  const out = []
  const refs = Array.from(doc.querySelectorAll('a')).filter(a =>
    (a.getAttributeNS('http://www.idpf.org/2007/ops', 'type') || '').split(/\\s+/).includes('noteref'))
  for (const a of refs) {
    window.popups = []; window.pending = []
    a.click()
    await Promise.all(window.pending)
    out.push({href: a.getAttribute('href'), popups: window.popups})
    window.dialog.replaceChildren()
  }
  return out
}
window.ready = true
</script></body></html>
"""


def reader_site(epubs: dict[str, Path], folder: Path) -> Path:
    """A folder to serve: the EPUBs, the epub.js and foliate-js pages, and their libraries."""
    folder.mkdir(parents=True, exist_ok=True)
    lib = folder / "lib"
    lib.mkdir(exist_ok=True)
    for name in ("epubjs", "jszip", "foliate-js"):
        source = node_package(name)
        if source is None:
            raise RuntimeError(f"npm package {name} is not installed (npm install; see package.json)")
        if not (lib / name).exists():
            (lib / name).symlink_to(source, target_is_directory=True)
    for slug, epub in epubs.items():
        shutil.copyfile(epub, folder / f"{slug}.epub")
    (folder / "epubjs.html").write_text(EPUBJS_PAGE, encoding="utf-8")
    import json

    (folder / "foliate.html").write_text(FOLIATE_PAGE % json.dumps(FOLIATE_CSS), encoding="utf-8")
    return folder

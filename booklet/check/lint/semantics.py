"""s- rules: what the markup means: text alternatives, links, headings, titles, notes."""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from booklet.check.lint.epub import EPUB_TYPE, XHTML, Epub, html_elements, local_name, tokens
from booklet.check.lint.model import ERROR, WARNING, Hit, rule
from booklet.urls import loaded_urls

HEADING = re.compile(r"h([1-6])")
NOTES = {"footnote", "endnote", "rearnote", "note", "glossdef"}
NOTE_ROLES = {"doc-footnote", "doc-endnote"}
DECORATIVE = {"presentation", "none"}


@rule("s-001", ERROR, "image without alt attribute")
def missing_alt(epub: Epub):
    for path, root in epub.xhtml():
        for img in html_elements(root, "img"):
            if img.get("alt") is None:
                yield Hit(path, img.sourceline, f"<img src={img.get('src', '')!r}> has no alt attribute: "
                                                "describe what the image shows")


@rule("s-002", ERROR, "image with empty alt text")
def empty_alt(epub: Epub):
    for path, root in epub.xhtml():
        for img in html_elements(root, "img"):
            alt = img.get("alt")
            if alt is not None and not alt.strip() and not tokens(img, "role") & DECORATIVE:
                yield Hit(path, img.sourceline, f"<img src={img.get('src', '')!r}> has empty alt text: describe "
                                                "it, or mark a purely decorative image role=\"presentation\"")


def links(epub: Epub):
    """(path, element, href) of every link in the content documents and the NCX."""
    for path, root in epub.xhtml():
        for name in ("a", "area"):
            for element in html_elements(root, name):
                if element.get("href") is not None:
                    yield path, element, element.get("href")
    for path in (p for p in epub.files if p.endswith(".ncx")):
        root = epub.parsed(path).root
        for element in root.iter("{*}content") if root is not None else ():
            if element.get("src") is not None:
                yield path, element, element.get("src")


def ids(epub: Epub, path: str) -> set[str] | None:
    """The ids in the XML file at *path*; None when it is not XML (an image, say)."""
    if not path.endswith((".xhtml", ".html", ".htm", ".svg", ".xml", ".ncx")):
        return None
    root = epub.parsed(path).root
    return None if root is None else {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}


@rule("s-003", ERROR, "link or reference to a file that is not in the EPUB")
def broken_links(epub: Epub):
    for path, element, href in links(epub):
        target = epub.resolve(path, href)
        if target is not None and target not in epub.files:
            yield Hit(path, element.sourceline, f"link to {href!r}: there is no {target} in the EPUB")
    for path, root in epub.xhtml():
        for element, url in _resources(root):
            target = epub.resolve(path, url)
            if target is not None and target not in epub.files:
                yield Hit(path, element.sourceline, f"<{local_name(element)}> refers to {url!r}: there is no "
                                                    f"{target} in the EPUB")


def _resources(root):
    """(element, URL) of every image, script, stylesheet or media file *root* loads."""
    for element in root.iter():
        for _, url in loaded_urls(element):
            if not url.startswith("data:"):
                yield element, url


@rule("s-004", ERROR, "link to a fragment id that does not exist")
def broken_fragments(epub: Epub):
    for path, element, href in links(epub):
        target, fragment = epub.resolve(path, href), unquote(urlsplit(href).fragment)
        if target is None or not fragment or fragment.startswith("epubcfi(") or target not in epub.files:
            continue
        found = ids(epub, target)
        if found is not None and fragment not in found:
            yield Hit(path, element.sourceline, f"link to {href!r}: {target} has no id {fragment!r}")


@rule("s-005", WARNING, "heading level skipped")
def skipped_headings(epub: Epub):
    for path, root in epub.xhtml():
        previous = None
        for element in root.iter(f"{{{XHTML}}}*"):
            match = HEADING.fullmatch(local_name(element))
            if not match:
                continue
            level = int(match.group(1))
            if previous is not None and level > previous[0] + 1:
                yield Hit(path, element.sourceline, f"heading level skipped: <h{level}> follows <h{previous[0]}> "
                                                    f"(line {previous[1]}); use <h{previous[0] + 1}>")
            previous = (level, element.sourceline)


@rule("s-006", ERROR, "spine document without a title")
def missing_title(epub: Epub):
    for path in epub.spine:
        root = epub.parsed(path).root
        if root is None or local_name(root) != "html":
            continue
        title = root.find(f"{{{XHTML}}}head/{{{XHTML}}}title")
        if title is None or not "".join(title.itertext()).strip():
            line = title.sourceline if title is not None else root.sourceline
            yield Hit(path, line, "document has no <title> or an empty one: reading systems show it "
                                  "in menus and screen readers announce it")


@rule("s-007", WARNING, "chapter without an h1")
def missing_h1(epub: Epub):
    for path in epub.spine:
        root = epub.parsed(path).root
        if root is None or local_name(root) != "html" or _is_cover(root):
            continue
        if next(html_elements(root, "h1"), None) is None and not root.xpath(
                "//*[@role='heading' and @aria-level='1']"):
            body = root.find(f"{{{XHTML}}}body")
            yield Hit(path, (body if body is not None else root).sourceline,
                      "document in the spine has no <h1>: give each chapter a top-level heading")


def _is_cover(root) -> bool:
    return any("cover" in tokens(e, EPUB_TYPE) or "doc-cover" in tokens(e, "role")
               for e in root.iter() if isinstance(e.tag, str))


@rule("s-008", WARNING, "noteref pointing at something that is not a note")
def noteref_targets(epub: Epub):
    for path, root in epub.xhtml():
        for link in html_elements(root, "a"):
            if "noteref" not in tokens(link, EPUB_TYPE) and "doc-noteref" not in tokens(link, "role"):
                continue
            href = link.get("href") or ""
            target, fragment = epub.resolve(path, href), unquote(urlsplit(href).fragment)
            note = _element_by_id(epub, target, fragment) if target and fragment else None
            if note is not None and not (tokens(note, EPUB_TYPE) & NOTES or tokens(note, "role") & NOTE_ROLES):
                yield Hit(path, link.sourceline, f"noteref to {href!r} points at a <{local_name(note)}> that is "
                                                 "not a footnote, endnote or note (epub:type)")


def _element_by_id(epub: Epub, path: str, ident: str):
    root = epub.parsed(path).root if path in epub.files else None
    if root is None:
        return None
    return next((e for e in root.iter() if isinstance(e.tag, str) and e.get("id") == ident), None)


@rule("s-009", ERROR, "link without text or accessible name")
def empty_links(epub: Epub):
    for path, root in epub.xhtml():
        for link in html_elements(root, "a"):
            if link.get("href") is not None and not _has_name(link):
                yield Hit(path, link.sourceline, f"link to {link.get('href')!r} has no text: screen readers "
                                                 "read it as the bare URL; add text or an aria-label")


def _has_name(link) -> bool:
    if any((link.get(a) or "").strip() for a in ("aria-label", "aria-labelledby", "title")):
        return True
    if "".join(link.itertext()).strip():
        return True
    return any((img.get("alt") or "").strip() for img in html_elements(link, "img"))

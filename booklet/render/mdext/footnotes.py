"""Footnotes as EPUB popups: noteref links in the text, ``<aside epub:type="footnote">`` notes.

The chapter's footnotes and glossary notes end the chapter under a "Notes" heading, each
with a link back to where it was called, for readers that show notes in the flow (issue 17).
A footnote defined twice or called but never defined is an error at its line (issue 15).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown.extensions.footnotes import NBSP_PLACEHOLDER

from booklet.errors import ContentError
from booklet.render.mdext.context import ChapterExtension, ChapterTreeprocessor

# Python-Markdown's footnote definition and reference syntax.
DEFINITION = re.compile(r"^[ ]{0,3}\[\^([^\]]*)\]:")
REFERENCE = re.compile(r"\[\^([^\]\s]+)\](?!:)")
NO_TEXT = {"code", "pre"}


class EpubFootnotes(ChapterTreeprocessor):
    def run(self, root: etree.Element) -> None:
        self._check_definitions()
        self._check_references(root)
        self.number = 1
        self.called: set[str] = set()
        for sup in root.iter("sup"):
            link = sup.find("a")
            if link is not None and link.get("class") == "footnote-ref":
                del link.attrib["class"]
                link.set("epub:type", "noteref")
                link.set("role", "doc-noteref")
                self.ctx.ids.reserve(sup.get("id", ""))
                self.called.add(sup.get("id", ""))
        for div in [d for d in root if d.tag == "div" and d.get("class") == "footnote"]:
            root.remove(div)
            for item in div.iter("li"):
                self.ctx.note_elements.append(self._aside(item))
        self._notes_section(root)

    def _check_definitions(self) -> None:
        """Report a footnote defined a second time, at the line of the second definition."""
        seen: dict[str, int] = {}
        for number, line in enumerate(self.ctx.chapter.text.splitlines(), 1):
            match = DEFINITION.match(line)
            if not match:
                continue
            name = match.group(1)
            if name in seen:
                self.ctx.error(ContentError(
                    f"footnote [^{name}] is defined twice (first on line {seen[name]})",
                    line=number, hint="give each footnote its own name, or delete one definition"))
            seen.setdefault(name, number)

    def _check_references(self, root: etree.Element) -> None:
        """Report a footnote called but never defined: Python-Markdown leaves it as text."""
        for text in _texts(root):
            for match in REFERENCE.finditer(text):
                self.ctx.error(ContentError(f"footnote [^{match.group(1)}] is never defined",
                                            hint=f"add a line '[^{match.group(1)}]: the note' to the chapter"),
                               match.group(0))

    def _notes_section(self, root: etree.Element) -> None:
        """Put the chapter's footnotes and glossary notes under a heading at its end."""
        if not self.ctx.note_elements:
            return
        section = etree.SubElement(root, "section", {"class": "notes", "aria-labelledby": "notes-title"})
        self.ctx.ids.reserve("notes-title")
        etree.SubElement(section, "h2", {"id": "notes-title", "class": "notes-title"}).text = "Notes"
        section.extend(self.ctx.note_elements)

    def _aside(self, item: etree.Element) -> etree.Element:
        for parent in item.iter():
            for link in [a for a in parent if a.tag == "a" and a.get("class") == "footnote-backref"]:
                # One back link per note, ours, at the end of the note (see back_link).
                parent.remove(link)
        # Number the note, so readers without popups can match it with the mark in the text.
        first = item.find("p")
        if first is not None:
            number = etree.Element("span", {"class": "note-number"})
            number.text = f"{self.number}."
            number.tail = " " + (first.text or "")
            first.text = None
            first.insert(0, number)
        self.number += 1
        item.tag = "aside"
        item.set("epub:type", "footnote")
        item.set("role", "doc-footnote")
        ident = item.get("id", "")
        self.ctx.ids.reserve(ident)
        call = "fnref" + ident[len("fn"):]
        if call in self.called:
            back_link(item, call)
        else:
            name = ident[len("fn-"):]
            self.ctx.warn(f"footnote [^{name}] is defined but never called", f"[^{name}]:",
                          hint=f"call it with [^{name}] in the text, or delete it")
        return item


def back_link(aside: etree.Element, target: str) -> None:
    """End the note with a link back to where it was called."""
    paras = aside.findall("p")
    holder = paras[-1] if paras else etree.SubElement(aside, "p")
    if len(holder):
        holder[-1].tail = _trim(holder[-1].tail) + " "
    else:
        holder.text = _trim(holder.text) + " "
    etree.SubElement(holder, "a", {"class": "note-back", "href": f"#{target}", "role": "doc-backlink",
                                   "epub:type": "backlink"}).text = "Back to the text"


def _trim(text: str | None) -> str:
    """Drop trailing space and the no-break space Python-Markdown put before its own back link."""
    return (text or "").replace(NBSP_PLACEHOLDER, "").rstrip()


def _texts(element: etree.Element):
    """Yield every text and tail of the tree outside code."""
    if element.tag in NO_TEXT:
        yield element.tail or ""
        return
    yield element.text or ""
    for child in element:
        yield from _texts(child)
    yield element.tail or ""


class EpubFootnotesExtension(ChapterExtension):
    """Rewrite Python-Markdown's footnotes into the markup Apple Books shows as popovers."""

    # After the footnotes extension's own tree processors (50 and 15) and the inline pass.
    processor = EpubFootnotes
    name = "booklet-footnotes"
    priority = 3

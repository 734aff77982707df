"""Footnotes as EPUB popups: noteref links in the text, ``<aside epub:type="footnote">`` notes."""
from __future__ import annotations

import xml.etree.ElementTree as etree

from booklet.render.mdext.context import ChapterExtension, ChapterTreeprocessor


class EpubFootnotes(ChapterTreeprocessor):
    def run(self, root: etree.Element) -> None:
        self.number = 1
        for sup in root.iter("sup"):
            link = sup.find("a")
            if link is not None and link.get("class") == "footnote-ref":
                del link.attrib["class"]
                link.set("epub:type", "noteref")
                link.set("role", "doc-noteref")
                self.ctx.ids.reserve(sup.get("id", ""))
        for div in [d for d in root if d.tag == "div" and d.get("class") == "footnote"]:
            root.remove(div)
            for item in div.iter("li"):
                self.ctx.note_elements.append(self._aside(item))
        self._notes_section(root)

    def _notes_section(self, root: etree.Element) -> None:
        """Put every popup note of the chapter in one section at its end."""
        if not (self.ctx.note_elements or self.ctx.asides):
            return
        section = etree.SubElement(root, "section", {"class": "notes", "aria-label": "Notes"})
        section.extend(self.ctx.note_elements)
        for html in self.ctx.asides:
            # Pre-rendered markup (figure notes) goes in through the raw-HTML stash.
            etree.SubElement(section, "p").text = self.md.htmlStash.store(html)

    def _aside(self, item: etree.Element) -> etree.Element:
        for parent in item.iter():
            for link in [a for a in parent if a.tag == "a" and a.get("class") == "footnote-backref"]:
                # The popup closes by itself; a "back" arrow would only clutter it.
                # Drop only the no-break space the footnotes extension put before the arrow.
                index = list(parent).index(link)
                if index == 0:
                    parent.text = _drop_nbsp(parent.text)
                else:
                    parent[index - 1].tail = _drop_nbsp(parent[index - 1].tail)
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
        self.ctx.ids.reserve(item.get("id", ""))
        return item


def _drop_nbsp(text: str | None) -> str | None:
    return text[:-1] if text and text.endswith("\u00a0") else text


class EpubFootnotesExtension(ChapterExtension):
    """Rewrite Python-Markdown's footnotes into the markup Apple Books shows as popovers."""

    # After the footnotes extension's own tree processors (50 and 15) and the inline pass.
    processor = EpubFootnotes
    name = "booklet-footnotes"
    priority = 3

"""Link each glossary term at its first use in a chapter to a popup with its definition."""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from booklet.mdext.context import ChapterExtension, ChapterTreeprocessor
from booklet.model import GlossaryTerm

# Text inside these is never linked: headings, links, code, captions and figure keys.
SKIP = {"h1", "h2", "h3", "h4", "h5", "h6", "a", "code", "pre", "figure", "figcaption", "sup", "summary",
        "dfn"}


def term_pattern(term: GlossaryTerm) -> re.Pattern:
    """Match the term or an alias as whole words; acronyms only in capitals."""
    names = sorted((term.name, *term.aliases), key=len, reverse=True)
    parts = [re.escape(n) if n.isupper() else "(?i:" + re.escape(n) + ")" for n in names]
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")


class GlossaryTreeprocessor(ChapterTreeprocessor):
    def run(self, root: etree.Element) -> None:
        for term in self.ctx.booklet.glossary:
            pattern = term_pattern(term)
            if self._link_first(root, term, pattern):
                self.ctx.glossary_used.add(term.name)
                self.ctx.note_elements.append(self._aside(term))

    def _link_first(self, element: etree.Element, term: GlossaryTerm, pattern: re.Pattern) -> bool:
        # Footnotes are "div.footnote" at this stage; their terms are not linked (no popup in a popup).
        # Quiz options become buttons: a link inside one would steal the tap.
        if element.tag in SKIP or {"notes", "footnote", "quiz-options"} & set((element.get("class") or "").split()):
            return False
        if element.text and self._split(element, None, term, pattern):
            return True
        for child in list(element):
            if self._link_first(child, term, pattern):
                return True
            if child.tail and self._split(element, child, term, pattern):
                return True
        return False

    def _split(self, parent: etree.Element, before: etree.Element | None, term: GlossaryTerm,
               pattern: re.Pattern) -> bool:
        """Wrap the first match in the text of *parent* (or the tail of *before*) in a link."""
        text = parent.text if before is None else before.tail
        match = pattern.search(text)
        if match is None:
            return False
        link = etree.Element("a", {"class": "glossref", "epub:type": "noteref", "role": "doc-noteref",
                                   "href": f"#{term.slug}"})
        link.text = match.group(0)
        link.tail = text[match.end():]
        if before is None:
            parent.text = text[: match.start()]
            parent.insert(0, link)
        else:
            before.tail = text[: match.start()]
            parent.insert(list(parent).index(before) + 1, link)
        return True

    def _aside(self, term: GlossaryTerm) -> etree.Element:
        self.ctx.ids.reserve(term.slug)
        aside = etree.Element("aside", {"epub:type": "footnote", "role": "doc-footnote", "id": term.slug,
                                        "class": "glossary-note"})
        para = etree.SubElement(aside, "p")
        etree.SubElement(para, "dfn").text = term.name
        etree.SubElement(para, "span").text = f": {term.definition}"
        return aside


class GlossaryExtension(ChapterExtension):
    processor = GlossaryTreeprocessor
    name = "booklet-glossary"
    priority = 5

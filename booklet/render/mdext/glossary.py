"""Link each glossary term at its first use in a chapter to a popup with its definition."""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from booklet.render.mdext.context import ChapterExtension, ChapterTreeprocessor
from booklet.render.mdext.footnotes import back_link
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
        # A casefolded substring test first: most terms are not in a given chapter, and the
        # whole-word pattern (a lookbehind, case folding) is slow to search for over it all.
        plain = "".join(root.itertext()).casefold()
        slots = None
        for term in self.ctx.booklet.glossary:
            if not any(name.casefold() in plain for name in (term.name, *term.aliases)):
                continue
            pattern = term_pattern(term)
            if slots is None:
                slots = list(_text_slots(root))
            if self._link_first(slots, term, pattern):
                self.ctx.glossary_used.add(term.name)
                self.ctx.note_elements.append(self._aside(term))

    def _link_first(self, slots: list, term: GlossaryTerm, pattern: re.Pattern) -> bool:
        """Wrap the first match, in document order, in a link to the term's popup."""
        names = [name.casefold() for name in (term.name, *term.aliases)]
        for index, (parent, before) in enumerate(slots):
            text = parent.text if before is None else before.tail
            # The substring test first: the whole-word pattern is ten times slower to miss.
            if not text or not any(name in text.casefold() for name in names):
                continue
            match = pattern.search(text)
            if match is None:
                continue
            link = etree.Element("a", {"class": "glossref", "epub:type": "noteref", "role": "doc-noteref",
                                       "href": f"#{term.slug}", "id": self.ctx.ids.unique(f"{term.slug}-ref")})
            link.text = match.group(0)
            link.tail = text[match.end():]
            if before is None:
                parent.text = text[: match.start()]
                parent.insert(0, link)
            else:
                before.tail = text[: match.start()]
                parent.insert(list(parent).index(before) + 1, link)
            slots.insert(index + 1, (parent, link))  # the rest of the text, after the link
            return True
        return False

    def _aside(self, term: GlossaryTerm) -> etree.Element:
        self.ctx.ids.reserve(term.slug)
        aside = etree.Element("aside", {"epub:type": "footnote", "role": "doc-footnote", "id": term.slug,
                                        "class": "glossary-note"})
        para = etree.SubElement(aside, "p")
        etree.SubElement(para, "dfn").text = term.name
        etree.SubElement(para, "span").text = f": {term.definition}"
        back_link(aside, f"{term.slug}-ref")
        return aside


def _text_slots(element: etree.Element):
    """Yield (parent, before) for every text a term may be linked in, in document order:
    the text of *parent* when *before* is None, else the tail of its child *before*."""
    # Footnotes are "div.footnote" at this stage; their terms are not linked (no popup in a popup).
    # Quiz options become buttons: a link inside one would steal the tap.
    if element.tag in SKIP or {"notes", "footnote", "quiz-options"} & set((element.get("class") or "").split()):
        return
    yield element, None
    for child in element:
        yield from _text_slots(child)
        yield element, child


class GlossaryExtension(ChapterExtension):
    processor = GlossaryTreeprocessor
    name = "booklet-glossary"
    priority = 5

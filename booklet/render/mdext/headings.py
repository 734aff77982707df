"""Stable, unique, valid ids for every heading, and the outline the nav document lists."""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

from markdown import util

from booklet.render.ids import slugify
from booklet.render.mdext.context import ChapterExtension, ChapterTreeprocessor

LEVELS = {f"h{n}": n for n in range(1, 7)}


def plain_text(md, text: str) -> str:
    """Text from the Markdown tree as a reader sees it: entities and raw HTML resolved.

    Before the postprocessors run, ``&eacute;`` is still ``AMP_SUBSTITUTE + "eacute;"`` and
    raw HTML a stash placeholder; both are control characters XML cannot hold (nav, NCX).
    """
    def stashed(match: re.Match) -> str:
        index = int(match.group(1))
        blocks = md.htmlStash.rawHtmlBlocks
        raw = str(blocks[index]) if index < len(blocks) else ""
        return plain_text(md, html.unescape(re.sub(r"<[^>]*>", "", raw)))

    text = util.HTML_PLACEHOLDER_RE.sub(stashed, text)
    text = re.sub(re.escape(util.AMP_SUBSTITUTE) + r"(#?[A-Za-z0-9]+;)", lambda m: html.unescape("&" + m.group(1)),
                  text)
    text = text.replace(util.AMP_SUBSTITUTE, "&")
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)


class HeadingIds(ChapterTreeprocessor):
    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            level = LEVELS.get(element.tag)
            if level is None:
                continue
            text = plain_text(self.md, "".join(element.itertext())).strip()
            # Repeated headings ("Review" in every chapter) get -2, -3 ... rather than an error.
            ident = element.get("id") or self.ctx.ids.unique(slugify(text, "section"))
            element.set("id", ident)
            # The chapter-end "Notes" heading is the same in every chapter: not a contents entry.
            if text and element.get("class") != "notes-title":   # nor is a heading without text
                self.ctx.headings.append((level, ident, text))


class HeadingIdsExtension(ChapterExtension):
    processor = HeadingIds
    name = "booklet-headings"
    priority = 2

"""Stable, unique, valid ids for every heading, and the outline the nav document lists."""
from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Extension
from markdown.treeprocessors import Treeprocessor

from booklet.ids import slugify
from booklet.mdext.context import ChapterContext

LEVELS = {f"h{n}": n for n in range(1, 7)}


class HeadingIdsExtension(Extension):
    def __init__(self, ctx: ChapterContext):
        super().__init__()
        self.ctx = ctx

    def extendMarkdown(self, md):
        md.treeprocessors.register(HeadingIds(md, self.ctx), "booklet-headings", 2)


class HeadingIds(Treeprocessor):
    def __init__(self, md, ctx: ChapterContext):
        super().__init__(md)
        self.ctx = ctx

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            level = LEVELS.get(element.tag)
            if level is None:
                continue
            text = "".join(element.itertext()).strip()
            # Repeated headings ("Review" in every chapter) get -2, -3 ... rather than an error.
            ident = element.get("id") or self.ctx.ids.unique(slugify(text, "section"))
            element.set("id", ident)
            self.ctx.headings.append((level, ident, text))

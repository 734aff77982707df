"""Python-Markdown set up for booklet chapters: standard extensions plus booklet's own.

Each feature is an extension working on the element tree (see STYLE.md, lesson 9):
images and figure files, callouts / quizzes / galleries / video cards, glossary
links, footnotes as EPUB popups, heading ids and named-entity conversion.
"""
from __future__ import annotations

import markdown
from markdown.extensions.admonition import AdmonitionExtension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.def_list import DefListExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension

from booklet.render.mdext.blocks import BlocksExtension
from booklet.render.mdext.context import ChapterContext
from booklet.render.mdext.entities import EntitiesExtension
from booklet.render.mdext.footnotes import EpubFootnotesExtension
from booklet.render.mdext.glossary import GlossaryExtension
from booklet.render.mdext.headings import HeadingIdsExtension
from booklet.render.mdext.images import ImagesExtension

__all__ = ["ChapterContext", "make_markdown"]


def make_markdown(ctx: ChapterContext) -> markdown.Markdown:
    """Return a Markdown converter whose extensions report into *ctx*."""
    # Instances, not names: a name makes Python-Markdown scan every installed package's
    # entry points (25 ms) in each new process.
    return markdown.Markdown(
        output_format="xhtml",
        extensions=[
            TableExtension(), SaneListExtension(), AttrListExtension(), DefListExtension(),
            AdmonitionExtension(), FootnoteExtension(SEPARATOR="-", BACKLINK_TEXT=""),
            ImagesExtension(ctx), BlocksExtension(ctx), GlossaryExtension(ctx),
            EpubFootnotesExtension(ctx), HeadingIdsExtension(ctx), EntitiesExtension(),
        ],
    )

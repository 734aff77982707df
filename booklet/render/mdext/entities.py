"""Turn HTML named entities (``&nbsp;``, ``&eacute;``) into characters: XHTML knows only five."""
from __future__ import annotations

import html.entities
import re

from markdown import Extension
from markdown.postprocessors import Postprocessor

_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


def replace_named_entities(text: str) -> str:
    """Replace named entities other than XML's five by the characters they stand for."""
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name in _XML_ENTITIES:
            return match.group(0)
        char = html.entities.html5.get(name + ";")
        # An unknown name is left alone so the XML check reports it with its line.
        return char if char is not None else match.group(0)

    return _ENTITY.sub(one, text)


class EntitiesExtension(Extension):
    def extendMarkdown(self, md):
        md.postprocessors.register(_EntitiesPostprocessor(md), "booklet-entities", 5)


class _EntitiesPostprocessor(Postprocessor):
    def run(self, text: str) -> str:
        return replace_named_entities(text)

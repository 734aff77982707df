"""Pointing EPUBCheck's (and the lint's) findings at the Markdown they came from.

A source map, as the build writes it, maps a file inside the EPUB to its source::

    {"EPUB/chapter-01.xhtml": {"source": "chapters/gluteus-medius/01-introduction.md",
                               "lines": [[xhtml_line, md_line], ...]},   # sorted by xhtml_line
     "EPUB/content.opf": {"source": "chapters/gluteus-medius/booklet.toml"}}

The Markdown line of an XHTML line is that of the nearest entry at or before it;
an entry without ``lines`` maps to its source file with no line.
"""
from __future__ import annotations

import bisect
from dataclasses import replace
from typing import Iterable, Mapping
from urllib.parse import unquote

from booklet.check.epubcheck.messages import CheckResult, Message


def map_to_source(result: CheckResult | Iterable[Message],
                  sourcemap: Mapping[str, Mapping]) -> list[Message]:
    """*result*'s messages placed at their source file and line where *sourcemap* knows
    the file inside the EPUB (no longer in the EPUB: no container, no column).

    Pure: the messages are copied, not changed; the others are kept as they are.
    """
    messages = result.messages if isinstance(result, CheckResult) else list(result)
    mapped = []
    for message in messages:
        entry = _entry(sourcemap, message.path) if message.container else None
        source = entry.get("source") if entry else None
        if not source:
            mapped.append(message)
            continue
        mapped.append(replace(message, path=str(source), line=source_line(entry.get("lines"), message.line),
                              col=None, container=None))
    return mapped


def _entry(sourcemap: Mapping[str, Mapping], path: str | None) -> Mapping | None:
    if not path:
        return None
    for key in dict.fromkeys((path, unquote(path), path.removeprefix("./"))):
        if key in sourcemap:
            return sourcemap[key]
    return None


def source_line(lines: Iterable[Iterable[int]] | None, line: int | None) -> int | None:
    """The Markdown line for XHTML *line*: that of the last ``[xhtml, md]`` pair at or before it."""
    if not lines or line is None:
        return None
    pairs = sorted((int(x), int(md)) for x, md in lines)
    at = bisect.bisect_right([x for x, _ in pairs], line)
    return pairs[at - 1][1] if at else None

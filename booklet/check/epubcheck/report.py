"""Pointing EPUBCheck's findings at the Markdown they came from, and showing them.

A source map, as the build writes it, maps a file inside the EPUB to its source::

    {"EPUB/chapter-01.xhtml": {"source": "chapters/gluteus-medius/01-introduction.md",
                               "lines": [[xhtml_line, md_line], ...]},   # sorted by xhtml_line
     "EPUB/content.opf": {"source": "chapters/gluteus-medius/booklet.toml"}}

The Markdown line of an XHTML line is that of the nearest entry at or before it;
an entry without ``lines`` maps to its source file with no line.
"""
from __future__ import annotations

import bisect
import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Iterable, Mapping
from urllib.parse import unquote

from booklet.check.epubcheck.messages import CheckResult, CheckRun, Message

try:
    from booklet.errors import display_path
except ImportError:   # pragma: no cover - older errors.py
    display_path = str

SEVERITY_WORDS = {"FATAL": "error", "ERROR": "error", "WARNING": "warning",
                  "USAGE": "usage", "INFO": "info"}


def map_to_source(result: CheckResult | Iterable[Message],
                  sourcemap: Mapping[str, Mapping]) -> list[Message]:
    """*result*'s messages with ``source_path``/``source_line`` set where *sourcemap* knows.

    Pure: the messages are copied, not changed. Unmapped messages get None for both.
    """
    messages = result.messages if isinstance(result, CheckResult) else list(result)
    mapped = []
    for message in messages:
        entry = _entry(sourcemap, message.path)
        source = entry.get("source") if entry else None
        if not source:
            mapped.append(replace(message, source_path=None, source_line=None))
            continue
        mapped.append(replace(message, source_path=str(source),
                              source_line=source_line(entry.get("lines"), message.line)))
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


def format_message(m: Message, epub: Path | str | None = None, *,
                   suggestion: bool = False) -> str:
    """``error: <where>: <message> [RSC-005]``, where is ``source.md:<line>`` when mapped,
    else ``<epub>!<path inside>:<line>:<col>`` (as much of it as is known).

    FATAL and ERROR read ``error``, WARNING ``warning``. With *suggestion*,
    EPUBCheck's suggestion (if any) follows in parentheses.
    """
    word = SEVERITY_WORDS.get(m.severity, m.severity.lower())
    if m.source_path:
        where = display_path(m.source_path)
        if m.source_line is not None:
            where += f":{m.source_line}"
    else:
        container = display_path(epub) if epub is not None else None
        if container and m.path:
            where = f"{container}!{m.path}"
        else:
            where = m.path or container or ""
        if where and m.line is not None:
            where += f":{m.line}"
            if m.col is not None:
                where += f":{m.col}"
    text = f"{word}: {where}: {m.message}" if where else f"{word}: {m.message}"
    if suggestion and m.suggestion:
        text += f" ({m.suggestion})"
    return f"{text} [{m.id}]"


def format_result(result: CheckResult, messages: Iterable[Message] | None = None, *,
                  warnings: bool = True, suggestion: bool = False) -> list[str]:
    """One line per error (and warning) of *result*, or of its mapped *messages*."""
    chosen = result.messages if messages is None else list(messages)
    return [format_message(m, result.epub, suggestion=suggestion) for m in chosen
            if m.is_error or (warnings and m.is_warning)]


def message_dict(m: Message) -> dict:
    """A message as a dict in field order: id, severity, message, path, line, col,
    suggestion, source_path, source_line."""
    return asdict(m)


def to_json(results: Iterable[CheckResult], *, indent: int | None = 2) -> str:
    """All results as JSON with a stable key order (messages of every severity kept)::

        {"errors": n, "warnings": n, "seconds": s, "strategy": "launcher",
         "results": [{"epub": ..., "valid": ..., "errors": n, "warnings": n,
                      "seconds": s, "messages": [{"id": ..., ...}, ...]}, ...]}
    """
    results = list(results) if not isinstance(results, list) else results
    items = [{"epub": str(r.epub), "valid": r.valid, "errors": len(r.errors),
              "warnings": len(r.warnings), "seconds": round(r.seconds, 3),
              "messages": [message_dict(m) for m in r.messages]} for r in results]
    data = {"errors": sum(i["errors"] for i in items),
            "warnings": sum(i["warnings"] for i in items),
            "seconds": round(results.seconds if isinstance(results, CheckRun)
                             else sum(r.seconds for r in results), 3),
            "strategy": results.strategy if isinstance(results, CheckRun) else None,
            "results": items}
    return json.dumps(data, indent=indent, ensure_ascii=False)

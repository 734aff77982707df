"""Measure how deep a source nests before a recursive parser sees it (issue 15: a list nested
400 deep or a TOML array 5,000 deep ended in RecursionError, with no file named)."""
from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*(```|~~~)")
# Block quote and list markers at the start of a line; each opens one more level.
_MARKER = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]?")


def markdown_depth(text: str) -> tuple[int, int]:
    """Return (deepest nesting of lists and block quotes, its line), code fences left out."""
    deepest, where, fenced = 0, 0, False
    for number, line in enumerate(text.split("\n"), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or not line.strip():
            continue
        expanded = line.expandtabs(4)
        indent = len(expanded) - len(expanded.lstrip(" "))
        depth, rest = indent // 4, expanded.lstrip(" ")
        while (match := _MARKER.match(rest)) and match.end() > 0:
            depth, rest = depth + 1, rest[match.end():]
        if depth > deepest:
            deepest, where = depth, number
    return deepest, where


def toml_depth(text: str) -> tuple[int, int]:
    """Return (deepest nesting of arrays and inline tables, its line), strings and comments left out."""
    deepest, where, depth, line = 0, 0, 0, 1
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            line += 1
        elif char == "#":
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        elif char in "\"'":
            i, line = _skip_string(text, i, line)
            continue
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest, where = depth, line
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return deepest, where


def _skip_string(text: str, i: int, line: int) -> tuple[int, int]:
    """Return the index after the string starting at *i*, and the line it ends on."""
    quote = text[i]
    delimiter = quote * 3 if text.startswith(quote * 3, i) else quote
    j = i + len(delimiter)
    while j < len(text):
        if text[j] == "\\" and quote == '"':
            j += 2
            continue
        if text.startswith(delimiter, j):
            end = j + len(delimiter)
            return end, line + text.count("\n", i, end)
        if text[j] == "\n" and len(delimiter) == 1:
            break                      # an unclosed string: tomllib will say so
        j += 1
    return j, line + text.count("\n", i, j)

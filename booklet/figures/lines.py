"""Find the line of a key in a figure file's TOML text, for messages."""
from __future__ import annotations

import re

_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$")
_KEY_RE = re.compile(r"""^\s*([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*=""")

TableRef = tuple[str, int | None]        # ("marker", 0) for the first [[marker]]; ("", None) top level


class _Lines:
    """Maps (table, index, key) to the 1-based line where that key is written.

    A small line scanner, not a TOML parser: it follows ``[table]`` and
    ``[[array]]`` headers and skips the continuation lines of multi-line arrays
    and strings, which is all a figure file needs.
    """

    def __init__(self, text: str):
        self.keys: dict[tuple[str, int | None, str], int] = {}
        self.headers: dict[TableRef, int] = {}
        counts: dict[str, int] = {}
        current: TableRef = ("", None)
        depth = 0                       # open [ / { of a multi-line value
        in_string: str | None = None    # '"""' or "'''" while inside a multi-line string
        for lineno, line in enumerate(text.splitlines(), start=1):
            if in_string is not None:
                if in_string in line:
                    rest = line.split(in_string, 1)[1]
                    in_string = None
                    depth, in_string = self._scan_value(rest, depth)
                continue
            if depth > 0:
                depth, in_string = self._scan_value(line, depth)
                continue
            header = _HEADER_RE.match(line)
            if header:
                name = header.group(2)
                if header.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    current = (name, index)
                else:
                    current = (name, None)
                self.headers.setdefault(current, lineno)
                continue
            key = _KEY_RE.match(line)
            if key:
                name = key.group(1).strip("\"'")
                self.keys.setdefault((current[0], current[1], name), lineno)
                depth, in_string = self._scan_value(line[key.end():], 0)

    @staticmethod
    def _scan_value(text: str, depth: int) -> tuple[int, str | None]:
        """Follow brackets and strings through one line; return (depth, open multi-line quote)."""
        i = 0
        while i < len(text):
            c = text[i]
            if c == "#":
                break
            if text.startswith('"""', i) or text.startswith("'''", i):
                quote = text[i:i + 3]
                end = text.find(quote, i + 3)
                if end < 0:
                    return depth, quote
                i = end + 3
                continue
            if c in "\"'":
                j = i + 1
                while j < len(text) and text[j] != c:
                    j += 2 if (c == '"' and text[j] == "\\") else 1
                i = j + 1
                continue
            if c in "[{":
                depth += 1
            elif c in "]}":
                depth = max(0, depth - 1)
            i += 1
        return depth, None

    def line(self, table: str, index: int | None, key: str | None = None) -> int | None:
        if key is not None and (table, index, key) in self.keys:
            return self.keys[(table, index, key)]
        if (table, index) in self.headers:
            return self.headers[(table, index)]
        if table:
            # an array of tables written inline (marker = [{...}]) or a dotted key
            return self.keys.get(("", None, table))
        if key is not None:
            # a top-level key that is really a table: [legend] or [[markers]]
            return self.headers.get((key, None)) or self.headers.get((key, 0))
        return None

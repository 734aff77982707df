"""Collect the errors and warnings of one figure file, each with its file, line and fix."""
from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import Any

from booklet.errors import ConfigError, Problem

from .lines import _Lines
from .model import Point

ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _show(value: Any) -> str:
    """A value as it would be written in TOML, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__      # dates and times


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Checker:
    """Collects the errors and warnings of one figure file."""

    def __init__(self, path: Path, lines: _Lines):
        self.path = path
        self.lines = lines
        self.errors: list[ConfigError] = []
        self.warnings: list[str] = []
        self.size: tuple[int, int] | None = None     # the base image's, once known

    def error(self, message: str, table: str = "", index: int | None = None,
              key: str | None = None, hint: str | None = None) -> None:
        self.errors.append(ConfigError(message, path=self.path,
                                       line=self.lines.line(table, index, key), hint=hint))

    def warn(self, message: str, table: str = "", index: int | None = None,
             key: str | None = None, hint: str | None = None) -> None:
        self.warnings.append(str(Problem(message, path=self.path,
                                         line=self.lines.line(table, index, key), hint=hint)))

    def unknown_keys(self, entry: dict, known: tuple[str, ...], where: str,
                     table: str = "", index: int | None = None) -> None:
        for key in entry:
            if key in known:
                continue
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "known keys: " + ", ".join(known)
            self.warn(f"{where}: unknown key '{key}' is ignored", table, index, key, hint=hint)

    # -- typed getters: each returns None after recording an error --------------------

    def string(self, entry: dict, key: str, where: str, table: str, index: int | None,
               required: bool = False, allow_empty: bool = False) -> str | None:
        if key not in entry:
            if required:
                self.error(f"{where}: missing required key '{key}'", table, index)
            return None
        value = entry[key]
        if not isinstance(value, str):
            self.error(f"{where}: '{key}' must be a string, not {_type_name(value)} ({_show(value)})",
                       table, index, key)
            return None
        if not allow_empty and not value.strip():
            self.error(f"{where}: '{key}' must not be empty", table, index, key)
            return None
        return value.strip()

    def ident(self, entry: dict, where: str, table: str, index: int) -> str | None:
        value = self.string(entry, "id", where, table, index, required=True)
        if value is None:
            return None
        if not ID_RE.match(value):
            self.error(f"{where}: id {_show(value)} is not a valid id", table, index, "id",
                       hint="use letters, digits, '-' and '_', starting with a letter")
            return None
        return value

    def fraction(self, value: Any, label: str, where: str, table: str, index: int | None,
                 key: str, axis: int) -> float | None:
        if not _is_number(value):
            self.error(f"{where}: '{label}' must be a number from 0 to 1, not "
                       f"{_type_name(value)} ({_show(value)})", table, index, key)
            return None
        if not math.isfinite(value) or not 0.0 <= value <= 1.0:
            self.error(f"{where}: '{label}' = {_show(value)} is outside 0..1", table, index, key,
                       hint=self.range_hint(value, axis))
            return None
        return float(value)

    def range_hint(self, value: float, axis: int) -> str:
        """The fix for a coordinate outside 0..1: the fraction it meant, if it looks like pixels."""
        if self.size is not None and value == int(value) and 1 < value <= self.size[axis]:
            side = self.size[axis]
            return f"did you mean pixels? {_show(value)} / {side} = {round(value / side, 3):g}"
        return "coordinates are fractions of the base image, origin top-left"

    def point(self, value: Any, label: str, where: str, table: str, index: int | None,
              key: str) -> Point | None:
        if (not isinstance(value, list) or len(value) != 2
                or not all(_is_number(v) for v in value)):
            self.error(f"{where}: '{label}' must be a pair of numbers [x, y], not {_show(value)}",
                       table, index, key)
            return None
        bad = [(axis, v) for axis, v in enumerate(value) if not math.isfinite(v) or not 0.0 <= v <= 1.0]
        if bad:
            self.error(f"{where}: '{label}' = {_show(value)} is outside 0..1", table, index, key,
                       hint=self.range_hint(bad[0][1], bad[0][0]))
            return None
        return (float(value[0]), float(value[1]))

    def tables(self, data: dict, key: str) -> list[dict]:
        """The entries of an array of tables ``[[key]]``; [] (and an error) if it is not one."""
        if key not in data:
            return []
        value = data[key]
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return value
        self.error(f"'{key}' must be an array of tables, not {_type_name(value)}", "", None, key,
                   hint=f"write each one under a [[{key}]] header")
        return []


def _where(kind: str, index: int, entry: dict, name_key: str = "id") -> str:
    name = entry.get(name_key)
    if isinstance(name, str) and name.strip():
        return f"{kind} {_show(name.strip())}"
    return f"{kind} #{index + 1}"

"""Read and validate a figure file (TOML) into a :class:`~booklet.figures.model.Figure`.

Every problem names the figure file, the key and, where it can be found in the
text, the line.  Several problems in one file are raised together as
:class:`~booklet.errors.BuildErrors`; unknown keys are only warnings, returned
in ``Figure.warnings``.
"""
from __future__ import annotations

import difflib
import math
import re
import warnings
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from PIL import Image, UnidentifiedImageError

from booklet.read.config import read_toml
from booklet.errors import BuildErrors, ConfigError, Problem
from booklet.limits import MAX_MARKERS, MAX_PIXELS

from .model import (
    LEGEND_POSITIONS,
    ZONE_KINDS,
    Callout,
    Figure,
    Legend,
    Marker,
    Point,
    Zone,
)

#: Largest base image accepted, in pixels (checked from the header, before decoding).
MAX_BASE_PIXELS = MAX_PIXELS     # booklet/limits.py holds every limit

ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")

TOP_KEYS = ("base", "title", "legend", "marker", "zone", "callout")
MARKER_KEYS = ("id", "label", "x", "y", "note")
ZONE_KEYS = ("id", "label", "points", "kind", "for", "note", "tap")
CALLOUT_KEYS = ("text", "at", "label_at", "align")
LEGEND_KEYS = ("position", "essential", "spillover", "marker")
ALIGNS = ("auto", "start", "middle", "end")

# --------------------------------------------------------------------------------------
# Finding the line of a key in the TOML text
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------


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
                 key: str) -> float | None:
        if not _is_number(value):
            self.error(f"{where}: '{label}' must be a number from 0 to 1, not "
                       f"{_type_name(value)} ({_show(value)})", table, index, key)
            return None
        if not math.isfinite(value) or not 0.0 <= value <= 1.0:
            self.error(f"{where}: '{label}' = {_show(value)} is outside 0..1", table, index, key,
                       hint="coordinates are fractions of the base image, origin top-left")
            return None
        return float(value)

    def point(self, value: Any, label: str, where: str, table: str, index: int | None,
              key: str) -> Point | None:
        if (not isinstance(value, list) or len(value) != 2
                or not all(_is_number(v) for v in value)):
            self.error(f"{where}: '{label}' must be a pair of numbers [x, y], not {_show(value)}",
                       table, index, key)
            return None
        bad = [v for v in value if not math.isfinite(v) or not 0.0 <= v <= 1.0]
        if bad:
            self.error(f"{where}: '{label}' = {_show(value)} is outside 0..1", table, index, key,
                       hint="coordinates are fractions of the base image, origin top-left")
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


def _lower_first(text: str) -> str:
    """'Medial trigger point' -> 'medial trigger point', but 'SI joint' stays."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def default_zone_note(kind: str, marker: Marker | None) -> str:
    source = f"pain from the {_lower_first(marker.label)}" if marker else "the referred pain"
    if kind == "essential":
        return f"Where {source} is usually felt."
    return f"Where {source} sometimes spreads (spillover)."


DEFAULT_MARKER_NOTE = "A trigger point."


# --------------------------------------------------------------------------------------
# The base image
# --------------------------------------------------------------------------------------


def _check_base(check: _Checker, data: dict) -> tuple[Path, str, tuple[int, int]] | None:
    raw = check.string(data, "base", "figure", "", None, required=True)
    if raw is None:
        return None
    folder = check.path.parent
    hint = "name a PNG or JPEG file beside the figure file, e.g. base = \"drawing.png\""
    if ("\\" in raw or PurePosixPath(raw).is_absolute() or PureWindowsPath(raw).drive
            or ".." in PurePosixPath(raw).parts):
        check.error(f"base = {_show(raw)} points outside the figure's folder", key="base", hint=hint)
        return None
    candidate = folder / raw
    if not candidate.exists():
        if candidate.is_symlink():
            check.error(f"base image {_show(raw)} is a broken symlink", key="base", hint=hint)
        else:
            check.error(f"base image {_show(raw)} not found", key="base", hint=hint)
        return None
    resolved = candidate.resolve()
    if not resolved.is_relative_to(folder.resolve()):
        check.error(f"base = {_show(raw)} points outside the figure's folder (through a symlink)",
                    key="base", hint=hint)
        return None
    if not resolved.is_file():
        check.error(f"base image {_show(raw)} is not a file", key="base", hint=hint)
        return None
    try:
        with warnings.catch_warnings():
            # Only the header is read here; the size is checked below, before any decoding.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(resolved) as im:
                fmt, size = im.format, im.size
                # A camera JPEG may be stored sideways; coordinates refer to it as shown.
                # (Only JPEG: its EXIF is in the header.  Pillow decodes a whole PNG to
                # look for an eXIf chunk, and nothing may be decoded here.)
                if (fmt == "JPEG" and size[0] * size[1] <= MAX_BASE_PIXELS
                        and im.getexif().get(0x0112) in (5, 6, 7, 8)):
                    size = (size[1], size[0])
    except Image.DecompressionBombError:
        check.error(f"base image {_show(raw)} is over the {MAX_BASE_PIXELS:,} px limit",
                    key="base", hint="scale it down")
        return None
    except UnidentifiedImageError:
        check.error(f"base image {_show(raw)} is not a PNG or JPEG image", key="base", hint=hint)
        return None
    except OSError as exc:
        check.error(f"base image {_show(raw)} cannot be read: {exc.strerror or exc}", key="base")
        return None
    if fmt not in ("PNG", "JPEG"):
        check.error(f"base image {_show(raw)} is {fmt}, not PNG or JPEG", key="base", hint=hint)
        return None
    width, height = size
    if width * height > MAX_BASE_PIXELS:
        check.error(f"base image {_show(raw)} is {width} x {height} = {width * height:,} px, "
                    f"over the {MAX_BASE_PIXELS:,} px limit", key="base", hint="scale it down")
        return None
    if width < 1 or height < 1:
        check.error(f"base image {_show(raw)} is empty", key="base")
        return None
    return resolved, fmt, (width, height)


# --------------------------------------------------------------------------------------
# load_figure
# --------------------------------------------------------------------------------------

def _check_marker_count(path: Path, data: dict, text: str) -> None:
    """Refuse more markers than booklet/limits.py allows, before any is checked or drawn."""
    for kind in ("marker", "zone"):
        entries = data.get(kind)
        if isinstance(entries, list) and len(entries) > MAX_MARKERS:
            starts = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == f"[[{kind}]]"]
            line = starts[MAX_MARKERS] if len(starts) > MAX_MARKERS else None
            raise ConfigError(f"{len(entries)} {kind}s, over the limit of {MAX_MARKERS} a figure", path, line,
                              hint="split the figure in two")


def load_figure(path: Path) -> Figure:
    """Parse and validate the figure file at ``path``.

    Raises :class:`ConfigError` for one problem, :class:`BuildErrors` for several.
    """
    path = Path(path)
    # The same reading, decoding and TOML error messages as booklet.toml and glossary.toml.
    data, text = read_toml(path)
    _check_marker_count(path, data, text)

    check = _Checker(path, _Lines(text))
    check.unknown_keys(data, TOP_KEYS, "figure")

    base = _check_base(check, data)
    title = check.string(data, "title", "figure", "", None)
    legend = _legend(check, data)

    markers: list[Marker] = []
    declared_markers: set[str] = set()  # marker ids written, valid entries or not
    ids: dict[str, str] = {}            # id -> "the marker on line 4"

    def claim(ident: str | None, kind: str, index: int, where: str) -> bool:
        if ident is None:
            return False
        if ident in ids:
            check.error(f"{where}: id {_show(ident)} is already used by {ids[ident]}",
                        kind, index, "id", hint="markers and zones share one id space")
            return False
        line = check.lines.line(kind, index, "id")
        ids[ident] = f"the {kind} on line {line}" if line else f"{kind} #{index + 1}"
        return True

    for i, entry in enumerate(check.tables(data, "marker")):
        where = _where("marker", i, entry)
        check.unknown_keys(entry, MARKER_KEYS, where, "marker", i)
        ident = check.ident(entry, where, "marker", i)
        if ident is not None:
            declared_markers.add(ident)
        label = check.string(entry, "label", where, "marker", i, required=True)
        coords = []
        for key in ("x", "y"):
            if key not in entry:
                check.error(f"{where}: missing required key '{key}'", "marker", i)
                coords.append(None)
            else:
                coords.append(check.fraction(entry[key], key, where, "marker", i, key))
        note = check.string(entry, "note", where, "marker", i)
        fresh = claim(ident, "marker", i, where)
        if fresh and label is not None and None not in coords:
            markers.append(Marker(id=ident, label=label, x=coords[0], y=coords[1],
                                  note=note or DEFAULT_MARKER_NOTE,
                                  line=check.lines.line("marker", i)))

    marker_ids = [m.id for m in markers]
    zones: list[Zone] = []
    for i, entry in enumerate(check.tables(data, "zone")):
        where = _where("zone", i, entry)
        check.unknown_keys(entry, ZONE_KEYS, where, "zone", i)
        ident = check.ident(entry, where, "zone", i)
        label = check.string(entry, "label", where, "zone", i)
        points = _points(check, entry, where, i)
        kind = "essential"
        if "kind" in entry:
            value = entry["kind"]
            if value not in ZONE_KINDS:
                check.error(f"{where}: kind = {_show(value)} is not \"essential\" or \"spillover\"",
                            "zone", i, "kind",
                            hint="essential = solid red (main pain), spillover = red stipple")
                kind = None
            else:
                kind = value
        for_ = check.string(entry, "for", where, "zone", i)
        owner = None
        if for_ is not None:
            owner = next((m for m in markers if m.id == for_), None)
            if owner is None and for_ not in declared_markers:
                known = ", ".join(marker_ids) if marker_ids else "none"
                check.error(f"{where}: for = {_show(for_)} names no marker", "zone", i, "for",
                            hint=f"markers in this file: {known}")
        tap = None
        if "tap" in entry:
            tap = check.point(entry["tap"], "tap", where, "zone", i, "tap")
        note = check.string(entry, "note", where, "zone", i)
        fresh = claim(ident, "zone", i, where)
        if fresh and points is not None and kind is not None and (for_ is None or owner):
            # (a zone whose marker is itself invalid is dropped; that marker's error is reported)
            zones.append(Zone(id=ident,
                              label=label or ("Spillover referred pain" if kind == "spillover"
                                              else "Referred pain"),
                              points=points, kind=kind,
                              note=note or default_zone_note(kind, owner),
                              for_=for_, tap=tap, line=check.lines.line("zone", i)))

    callouts: list[Callout] = []
    for i, entry in enumerate(check.tables(data, "callout")):
        where = _where("callout", i, entry, "text")
        check.unknown_keys(entry, CALLOUT_KEYS, where, "callout", i)
        text = check.string(entry, "text", where, "callout", i, required=True)
        at = label_at = None
        if "at" not in entry:
            check.error(f"{where}: missing required key 'at'", "callout", i)
        else:
            at = check.point(entry["at"], "at", where, "callout", i, "at")
        if "label_at" in entry:
            label_at = check.point(entry["label_at"], "label_at", where, "callout", i, "label_at")
            ok_label = label_at is not None
        else:
            label_at, ok_label = at, True
        align = "auto"
        if "align" in entry:
            if entry["align"] in ALIGNS:
                align = entry["align"]
            else:
                check.error(f"{where}: align = {_show(entry['align'])} is not one of "
                            + ", ".join(f'"{a}"' for a in ALIGNS), "callout", i, "align")
        if text is not None and at is not None and ok_label:
            callouts.append(Callout(text=text, at=at, label_at=label_at, align=align,
                                    line=check.lines.line("callout", i)))

    if len(check.errors) == 1:
        raise check.errors[0]
    if check.errors:
        raise BuildErrors(list(check.errors))
    assert base is not None
    base_path, base_format, base_size = base
    return Figure(path=path, base=base_path, base_format=base_format, base_size=base_size,
                  title=title, markers=markers, zones=zones, callouts=callouts,
                  legend=legend, warnings=check.warnings)


def _points(check: _Checker, entry: dict, where: str, i: int) -> tuple[Point, ...] | None:
    if "points" not in entry:
        check.error(f"{where}: missing required key 'points'", "zone", i)
        return None
    value = entry["points"]
    if not isinstance(value, list):
        check.error(f"{where}: 'points' must be an array of [x, y] pairs, not "
                    f"{_type_name(value)} ({_show(value)})", "zone", i, "points")
        return None
    if len(value) < 3:
        check.error(f"{where}: 'points' has {len(value)} point{'s' if len(value) != 1 else ''}; "
                    f"a zone needs at least 3", "zone", i, "points")
        return None
    points = []
    for n, item in enumerate(value):
        point = check.point(item, f"points[{n}]", where, "zone", i, "points")
        if point is None:
            return None
        points.append(point)
    return tuple(points)


def _legend(check: _Checker, data: dict) -> Legend:
    if "legend" not in data:
        return Legend()
    value = data["legend"]
    if value is False:
        return Legend(position="none")
    if isinstance(value, str):
        if value in LEGEND_POSITIONS:
            return Legend(position=value)
        check.error(f"figure: legend = {_show(value)} is not one of "
                    + ", ".join(f'"{p}"' for p in LEGEND_POSITIONS), "", None, "legend")
        return Legend()
    if isinstance(value, dict):
        check.unknown_keys(value, LEGEND_KEYS, "legend", "legend", None)
        fields = {}
        for key in LEGEND_KEYS:
            text = check.string(value, key, "legend", "legend", None)
            if text is None:
                continue
            if key == "position" and text not in LEGEND_POSITIONS:
                check.error(f"legend: position = {_show(text)} is not one of "
                            + ", ".join(f'"{p}"' for p in LEGEND_POSITIONS),
                            "legend", None, "position")
                continue
            fields[key] = text
        return Legend(**fields)
    check.error(f"figure: 'legend' must be a corner name, false or a table, not "
                f"{_type_name(value)} ({_show(value)})", "", None, "legend")
    return Legend()

"""Read and validate a figure file (TOML) into a :class:`~booklet.figures.model.Figure`.

Every problem names the figure file, the key and, where it can be found in the
text, the line.  Several problems in one file are raised together as
:class:`~booklet.errors.BuildErrors`; unknown keys are only warnings, returned
in ``Figure.warnings``, but an unknown *table* (``[[markers]]``) is an error: its
entries would otherwise vanish from the figure without a word.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

from booklet.errors import BuildErrors
from booklet.read.config import read_toml

from .basefile import _check_base
from .checker import ID_RE, _Checker, _show, _type_name, _where  # noqa: F401  (ID_RE: the markup's)
from .checks import figure_warnings
from .lines import _Lines
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

TOP_KEYS = ("base", "title", "legend", "marker", "zone", "callout")
TABLE_KEYS = ("legend", "marker", "zone", "callout")
MARKER_KEYS = ("id", "label", "x", "y", "note", "number", "color")
ZONE_KEYS = ("id", "label", "points", "kind", "for", "note", "tap", "smooth")
CALLOUT_KEYS = ("text", "at", "label_at", "align")
LEGEND_KEYS = ("position", "essential", "spillover", "marker")
ALIGNS = ("auto", "start", "middle", "end")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")


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


def load_figure(path: Path) -> Figure:
    """Parse and validate the figure file at ``path``.

    Raises :class:`ConfigError` for one problem, :class:`BuildErrors` for several.
    """
    path = Path(path)
    # The same reading, decoding and TOML error messages as booklet.toml and glossary.toml.
    data, text = read_toml(path)
    check = _Checker(path, _Lines(text))
    _unknown_top_level(check, data)
    base = _check_base(check, data)
    check.size = base[2] if base else None
    title = check.string(data, "title", "figure", "", None)
    legend = _legend(check, data)
    ids = _Ids(check)
    markers, declared = _markers(check, data, ids)
    zones = _zones(check, data, markers, declared, ids)
    callouts = _callouts(check, data)
    if len(check.errors) == 1:
        raise check.errors[0]
    if check.errors:
        raise BuildErrors(list(check.errors))
    base_path, base_format, base_size = base
    fig = Figure(path=path, base=base_path, base_format=base_format, base_size=base_size,
                 title=title, markers=markers, zones=zones, callouts=callouts,
                 legend=legend, warnings=check.warnings)
    fig.warnings.extend(figure_warnings(fig))
    return fig


def _unknown_top_level(check: _Checker, data: dict) -> None:
    """Warn about unknown keys; refuse unknown tables, whose entries would be lost."""
    for key, value in data.items():
        if key in TOP_KEYS:
            continue
        if isinstance(value, dict) or (isinstance(value, list) and value
                                       and all(isinstance(v, dict) for v in value)):
            close = difflib.get_close_matches(key, TABLE_KEYS, n=1, cutoff=0.5)
            many = isinstance(value, list)
            shown = f"[[{key}]]" if many else f"[{key}]"
            count = f"its {len(value)} entr{'y' if len(value) == 1 else 'ies'}" if many else "its keys"
            hint = (f"did you mean [[{close[0]}]]?" if close and close[0] != "legend"
                    else "did you mean [legend]?" if close
                    else "known tables: [[marker]], [[zone]], [[callout]], [legend]")
            check.error(f"unknown table {shown}: {count} would be left out of the figure",
                        "", None, key, hint=hint)
        else:
            check.unknown_keys({key: value}, TOP_KEYS, "figure")


class _Ids:
    """Markers and zones share one id space: the first to use an id keeps it."""

    def __init__(self, check: _Checker):
        self.check = check
        self.owners: dict[str, str] = {}        # id -> "the marker on line 4"

    def claim(self, ident: str | None, kind: str, index: int, where: str) -> bool:
        if ident is None:
            return False
        if ident in self.owners:
            self.check.error(f"{where}: id {_show(ident)} is already used by {self.owners[ident]}",
                             kind, index, "id", hint="markers and zones share one id space")
            return False
        line = self.check.lines.line(kind, index, "id")
        self.owners[ident] = f"the {kind} on line {line}" if line else f"{kind} #{index + 1}"
        return True


def _markers(check: _Checker, data: dict, ids: _Ids) -> tuple[list[Marker], set[str]]:
    """The valid markers, and the ids of all markers written (valid or not)."""
    markers: list[Marker] = []
    declared: set[str] = set()
    for i, entry in enumerate(check.tables(data, "marker")):
        where = _where("marker", i, entry)
        check.unknown_keys(entry, MARKER_KEYS, where, "marker", i)
        ident = check.ident(entry, where, "marker", i)
        if ident is not None:
            declared.add(ident)
        label = check.string(entry, "label", where, "marker", i, required=True)
        coords = []
        for axis, key in enumerate(("x", "y")):
            if key not in entry:
                check.error(f"{where}: missing required key '{key}'", "marker", i)
                coords.append(None)
            else:
                coords.append(check.fraction(entry[key], key, where, "marker", i, key, axis))
        note = check.string(entry, "note", where, "marker", i)
        ok, number, color = _number_and_color(check, entry, where, i)
        if ids.claim(ident, "marker", i, where) and ok and label is not None and None not in coords:
            markers.append(Marker(id=ident, label=label, x=coords[0], y=coords[1],
                                  note=note or DEFAULT_MARKER_NOTE, line=check.lines.line("marker", i),
                                  number=number, color=color))
    return markers, declared


def _number_and_color(check: _Checker, entry: dict, where: str, i: int):
    """A marker's optional ``number`` (1..99) and ``color`` ("#rrggbb"); ok is False on an error."""
    ok, number, color = True, None, None
    if "number" in entry:
        value = entry["number"]
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 99:
            number = value
        else:
            check.error(f"{where}: number = {_show(value)} is not a whole number from 1 to 99",
                        "marker", i, "number", hint="number the points 1, 2, 3 as the text names them")
            ok = False
    if "color" in entry:
        value = entry["color"]
        if isinstance(value, str) and COLOR_RE.match(value):
            color = tuple(int(value[k:k + 2], 16) for k in (1, 3, 5))
        else:
            check.error(f"{where}: color = {_show(value)} is not a colour written \"#rrggbb\"",
                        "marker", i, "color", hint='e.g. color = "#1f77b4"')
            ok = False
    return ok, number, color


def _zone_kind(check: _Checker, entry: dict, where: str, i: int) -> str | None:
    value = entry.get("kind", "essential")
    if value in ZONE_KINDS:
        return value
    check.error(f"{where}: kind = {_show(value)} is not \"essential\" or \"spillover\"",
                "zone", i, "kind", hint="essential = solid red (main pain), spillover = red stipple")
    return None


def _zone_owner(check: _Checker, entry: dict, where: str, i: int, markers, declared):
    """(for, its marker): (None, None) for no ``for``; (for, None) when the marker is missing."""
    for_ = check.string(entry, "for", where, "zone", i)
    if for_ is None:
        return None, None
    owner = next((m for m in markers if m.id == for_), None)
    if owner is None and for_ not in declared:
        ids = [m.id for m in markers]
        close = difflib.get_close_matches(for_, ids, n=1)
        hint = (f"did you mean {_show(close[0])}? " if close else "") + \
            f"markers in this file: {', '.join(ids) if ids else 'none'}"
        check.error(f"{where}: for = {_show(for_)} names no marker", "zone", i, "for", hint=hint)
    return for_, owner


def _zones(check: _Checker, data: dict, markers: list[Marker], declared: set[str], ids: _Ids) -> list[Zone]:
    zones: list[Zone] = []
    for i, entry in enumerate(check.tables(data, "zone")):
        where = _where("zone", i, entry)
        check.unknown_keys(entry, ZONE_KEYS, where, "zone", i)
        ident = check.ident(entry, where, "zone", i)
        label = check.string(entry, "label", where, "zone", i)
        points = _points(check, entry, where, i)
        kind = _zone_kind(check, entry, where, i)
        for_, owner = _zone_owner(check, entry, where, i, markers, declared)
        tap = check.point(entry["tap"], "tap", where, "zone", i, "tap") if "tap" in entry else None
        note = check.string(entry, "note", where, "zone", i)
        smooth = entry.get("smooth", False)
        if not isinstance(smooth, bool):
            check.error(f"{where}: smooth = {_show(smooth)} is not true or false", "zone", i, "smooth")
            smooth = None
        fresh = ids.claim(ident, "zone", i, where)
        if fresh and points is not None and kind is not None and smooth is not None and (for_ is None or owner):
            # (a zone whose marker is itself invalid is dropped; that marker's error is reported)
            zones.append(Zone(id=ident,
                              label=label or ("Spillover referred pain" if kind == "spillover"
                                              else "Referred pain"),
                              points=points, kind=kind, note=note or default_zone_note(kind, owner),
                              for_=for_, tap=tap, line=check.lines.line("zone", i), smooth=smooth))
    return zones


def _callouts(check: _Checker, data: dict) -> list[Callout]:
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
        align = entry.get("align", "auto")
        if align not in ALIGNS:
            check.error(f"{where}: align = {_show(align)} is not one of "
                        + ", ".join(f'"{a}"' for a in ALIGNS), "callout", i, "align")
        if text is not None and at is not None and ok_label and align in ALIGNS:
            callouts.append(Callout(text=text, at=at, label_at=label_at, align=align,
                                    line=check.lines.line("callout", i)))
    return callouts


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

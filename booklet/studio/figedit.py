"""The figure editor's changes to a figure file, made with tomlkit so the rest of the file stays as written.

Each change touches only the values it names (comments, key order and the formatting of
every other entry are kept); coordinates are rounded to 3 decimals. A change is written only
if the figure file it makes loads (``booklet.figures.load.load_figure``, the build's own
checks); otherwise it is refused with that check's message, and the file is left alone.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

from booklet.errors import BookletError, BuildErrors

TEXT_FIELDS = {"marker": ("id", "label", "note"), "zone": ("id", "label", "note", "kind", "for"),
               "callout": ("text", "align")}
HISTORY = 50


class EditRefused(BookletError):
    """A change that would make the figure file invalid, or that names nothing in it."""


def figure_data(path: Path) -> dict:
    """What the editor draws: markers, zones and callouts as the file has them."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    keep = lambda entry, keys: {k: entry[k] for k in keys if k in entry}   # noqa: E731
    return {"markers": [keep(m, ("id", "label", "x", "y", "note")) for m in _tables(data, "marker")],
            "zones": [keep(z, ("id", "label", "kind", "for", "note", "points", "tap")) for z in _tables(data, "zone")],
            "callouts": [keep(c, ("text", "at", "label_at", "align")) for c in _tables(data, "callout")]}


def _tables(data: dict, name: str) -> list[dict]:
    found = data.get(name, [])
    return [t for t in found if isinstance(t, dict)] if isinstance(found, list) else []


def _coordinate(value) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise EditRefused(f"coordinate {value!r} is not a number")
    return round(float(value), 3)


def _replace(table, key: str, value) -> None:
    """Set *key* of a tomlkit table, keeping the comment and spacing of the old value's line."""
    import tomlkit

    new = tomlkit.item(value)
    if key in table:
        old = table.item(key)
        new.trivia.comment_ws, new.trivia.comment = old.trivia.comment_ws, old.trivia.comment
        new.trivia.trail = old.trivia.trail
    table[key] = new


def _entry(doc, name: str, index) -> object:
    tables = doc.get(name)
    if not isinstance(index, int) or tables is None or not 0 <= index < len(tables):
        raise EditRefused(f"there is no [[{name}]] number {index!r} in the file")
    return tables[index]


def apply(text: str, change: dict) -> str:
    """The figure file *text* with *change* made (see ``OPS``); EditRefused if it names nothing."""
    import tomlkit

    doc = tomlkit.parse(text)
    op = OPS.get(change.get("op"))
    if op is None:
        raise EditRefused(f"unknown change {change.get('op')!r}")
    op(doc, change)
    return tomlkit.dumps(doc)


def _point(change: dict) -> list[float]:
    return [_coordinate(change.get("x")), _coordinate(change.get("y"))]


def _move_marker(doc, change: dict) -> None:
    marker = _entry(doc, "marker", change.get("index"))
    x, y = _point(change)
    _replace(marker, "x", x)
    _replace(marker, "y", y)


def _points(doc, change: dict):
    zone = _entry(doc, "zone", change.get("zone"))
    points = zone.get("points")
    if points is None:
        raise EditRefused("this zone has no points")
    return points


def _move_point(doc, change: dict) -> None:
    import tomlkit

    points, at = _points(doc, change), change.get("point")
    if not isinstance(at, int) or not 0 <= at < len(points):
        raise EditRefused(f"the zone has no point number {at!r}")
    points[at] = tomlkit.array(_point(change))


def _add_point(doc, change: dict) -> None:
    import tomlkit

    points, after = _points(doc, change), change.get("after", -1)
    if not isinstance(after, int) or not -1 <= after < len(points):
        raise EditRefused(f"the zone has no point number {after!r}")
    points.insert(after + 1, tomlkit.array(_point(change)))


def _remove_point(doc, change: dict) -> None:
    points, at = _points(doc, change), change.get("point")
    if not isinstance(at, int) or not 0 <= at < len(points):
        raise EditRefused(f"the zone has no point number {at!r}")
    del points[at]


def _move_callout(doc, change: dict) -> None:
    callout = _entry(doc, "callout", change.get("index"))
    which = change.get("which")
    if which not in ("at", "label_at"):
        raise EditRefused(f"a callout has no point {which!r}")
    _replace(callout, which, _point(change))


def _add_marker(doc, change: dict) -> None:
    import tomlkit

    taken = {str(t.get("id")) for name in ("marker", "zone") for t in doc.get(name, [])}
    number = 1
    while f"tp-new-{number}" in taken:
        number += 1
    marker = tomlkit.table()
    marker["id"] = str(change.get("id") or f"tp-new-{number}")
    marker["label"] = str(change.get("label") or f"New trigger point {number}")
    marker["x"], marker["y"] = _point(change)
    if "marker" not in doc:
        doc["marker"] = tomlkit.aot()
    doc["marker"].append(marker)


def _add_zone(doc, change: dict) -> None:
    import tomlkit

    points = change.get("points")
    if not isinstance(points, list) or len(points) < 3:
        raise EditRefused("a zone needs at least 3 points")
    taken = {str(t.get("id")) for name in ("marker", "zone") for t in doc.get(name, [])}
    number = next(n for n in range(1, len(taken) + 2) if f"zone-new-{n}" not in taken)
    zone = tomlkit.table()
    zone["id"] = f"zone-new-{number}"
    for field in ("kind", "for"):
        if change.get(field):
            zone[field] = str(change[field])
    zone["points"] = [_point({"x": p[0], "y": p[1]}) if isinstance(p, list) and len(p) == 2 else _bad_point(p)
                      for p in points]
    if "zone" not in doc:
        doc["zone"] = tomlkit.aot()
    doc["zone"].append(zone)


def _bad_point(point) -> list:
    raise EditRefused(f"{point!r} is not a point [x, y]")


def _set_text(doc, change: dict) -> None:
    name, field, value = change.get("table"), change.get("field"), change.get("value")
    if field not in TEXT_FIELDS.get(name, ()):
        raise EditRefused(f"a [[{name}]] has no field {field!r} the editor can set")
    entry = _entry(doc, name, change.get("index"))
    if value in (None, ""):
        if field in ("id", "text"):
            raise EditRefused(f"{field} cannot be empty")
        if field in entry:
            del entry[field]
        return
    _replace(entry, field, str(value))


OPS = {"move-marker": _move_marker, "move-point": _move_point, "add-point": _add_point,
       "remove-point": _remove_point, "move-callout": _move_callout, "add-marker": _add_marker,
       "add-zone": _add_zone,
       "set": _set_text}


def check(path: Path, text: str) -> None:
    """Raise EditRefused with the build's own message if *text* is not a valid figure file for *path*."""
    from booklet.figures.load import load_figure

    trial = path.with_name(f".{path.stem}.editing.toml")      # a dotfile: the watcher ignores it
    trial.write_text(text, encoding="utf-8")
    try:
        load_figure(trial)
    except BuildErrors as exc:
        raise EditRefused("\n".join(str(e).replace(trial.name, path.name) for e in exc.errors)) from None
    except BookletError as exc:
        raise EditRefused(str(exc).replace(trial.name, path.name)) from None
    finally:
        trial.unlink(missing_ok=True)


def save(path: Path, change: dict, history: list[str]) -> None:
    """Make *change* to the figure file at *path* if the result is valid; remember the old text."""
    old = path.read_text(encoding="utf-8")
    if change.get("op") == "undo":
        if not history:
            raise EditRefused("nothing to undo")
        new = history.pop()
    else:
        new = apply(old, change)
        check(path, new)
        history.append(old)
        del history[:-HISTORY]
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(new, encoding="utf-8")
    os.replace(temp, path)          # whole: the watcher never sees half a file

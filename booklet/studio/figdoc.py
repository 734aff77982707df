"""The figure editor's two views of a figure file: the edits it makes to the text, and the picture data it shows.

Edits go through tomlkit, which keeps the file's comments, key order and the formatting of
every entry the edit does not touch; coordinates are rounded to 3 decimals. The picture data
is what the renderer and the markup draw (:mod:`booklet.figures`), so the editor's handles
sit on the rendered figure's own marks.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from booklet.figures.load import CALLOUT_KEYS, MARKER_KEYS, ZONE_KEYS

TABLES = {"marker": MARKER_KEYS, "zone": ZONE_KEYS, "callout": CALLOUT_KEYS}
TOP_KEYS = ("legend", "title")
POINT_KEYS = ("at", "label_at", "tap")
DIGITS = 3


class Refused(Exception):
    """An edit that cannot be made; its text is shown to the author, the file stays as it was."""


def _rounded(key: str, value):
    """Coordinates to 3 decimals (x, y, points, at, label_at, tap); other values as they are."""
    if key in ("x", "y") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(float(value), DIGITS)
    if key in POINT_KEYS and isinstance(value, list):
        return [_rounded("x", v) for v in value]
    if key == "points" and isinstance(value, list):
        return [_rounded("at", p) for p in value]
    return value


def _plain(value) -> bool:
    """Whether *value* is something the editor may write: text, a number, true/false, arrays of them."""
    if isinstance(value, (str, bool, int, float)):
        return True
    return isinstance(value, list) and len(value) <= 500 and all(_plain(v) for v in value)


def _set(table, key: str, value) -> None:
    """Set or delete (None) one key, keeping the comment and spacing after an existing value."""
    import tomlkit

    if value is None:
        if key in table:
            del table[key]
        return
    value = _rounded(key, value)
    if key not in table:
        table[key] = value
        return
    old = table.item(key) if hasattr(table, "item") else None
    new = tomlkit.item(value)
    if old is not None:
        new.trivia.comment, new.trivia.comment_ws = old.trivia.comment, old.trivia.comment_ws
        new.trivia.trail = old.trivia.trail
    table[key] = new


def _entry(doc, op: dict):
    """The [[table]] entry an operation names, or a refusal."""
    table, index = op.get("table"), op.get("index")
    if table not in TABLES:
        raise Refused(f"unknown table {table!r}")
    entries = doc.get(table)
    if not isinstance(index, int) or isinstance(index, bool) or entries is None or not 0 <= index < len(entries):
        raise Refused(f"there is no [[{table}]] number {index!r} in the file (reload the editor)")
    return entries[index]


def _check_key(table: str, key) -> None:
    known = TABLES[table] if table else TOP_KEYS
    if key not in known:
        raise Refused(f"the editor does not write {key!r} in {('[[' + table + ']]') if table else 'the figure'}")


def _add(doc, op: dict) -> None:
    import tomlkit

    table, fields = op.get("table"), op.get("value")
    if table not in TABLES or not isinstance(fields, dict):
        raise Refused("an added entry needs a table (marker, zone or callout) and its keys")
    entry = tomlkit.table()
    for key, value in fields.items():
        _check_key(table, key)
        if value is not None:
            if not _plain(value):
                raise Refused(f"{key} = {value!r} is not a value the editor writes")
            entry[key] = _rounded(key, value)
    # One blank line before and after the new entry, as between the entries of a hand-written file.
    entry.add(tomlkit.nl())
    before = doc[table][-1].as_string() if table in doc else tomlkit.dumps(doc)
    if before and not before.endswith("\n\n"):
        entry.trivia.indent = "\n"
    if table not in doc:
        doc.append(table, tomlkit.aot())
    doc[table].append(entry)


def apply_ops(text: str, ops: list) -> str:
    """The text of the figure file after *ops*: set a key, add an entry, remove an entry."""
    import tomlkit

    try:
        doc = tomlkit.parse(text)
    except Exception as exc:  # noqa: BLE001 - tomlkit raises its own parse errors
        raise Refused(f"the file is not valid TOML now ({exc}); fix it in a text editor first") from None
    if not isinstance(ops, list) or not ops or len(ops) > 50:
        raise Refused("an edit is a list of 1 to 50 operations")
    for op in ops:
        kind = op.get("op") if isinstance(op, dict) else None
        if kind == "set":
            table = op.get("table") or ""
            target = _entry(doc, op) if table else doc
            key, value = op.get("key"), op.get("value")
            _check_key(table, key)
            if value is not None and not _plain(value):
                raise Refused(f"{key} = {value!r} is not a value the editor writes")
            _set(target, key, value)
        elif kind == "add":
            _add(doc, op)
        elif kind == "remove":
            _entry(doc, op)
            del doc[op["table"]][op["index"]]
            if not len(doc[op["table"]]):
                del doc[op["table"]]
        else:
            raise Refused(f"unknown operation {kind!r} (set, add or remove)")
    out = tomlkit.dumps(doc)
    # An added entry ends in a blank line; at the end of the file it is one too many.
    return out if text.endswith("\n\n") else out.rstrip("\n") + "\n"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


def figure_data(fig, image_url: str) -> dict:
    """What the editor draws for a loaded figure, in pixels of the rendered picture and in fractions."""
    from booklet.figures.checks import PAGE_WIDTH, TAP_SIZE, legend_rect
    from booklet.figures.geometry import svg_path
    from booklet.figures.markup import _svg, _tap_point
    from booklet.figures.render import output_size

    width, height = output_size(fig.base_size)
    aspect = fig.base_size[0] / fig.base_size[1]
    return {
        "image": image_url, "width": width, "height": height, "baseSize": list(fig.base_size),
        "tapRadius": TAP_SIZE / 2 * width / PAGE_WIDTH, "legend": fig.legend.position,
        "legendRect": legend_rect(fig), "warnings": list(fig.warnings), "labels": _svg(fig, width, height),
        "markers": [{"id": m.id, "label": m.label, "note": m.note, "x": m.x, "y": m.y, "line": m.line}
                    for m in fig.markers],
        "zones": [{"id": z.id, "label": z.label, "note": z.note, "kind": z.kind, "for": z.for_,
                   "smooth": z.smooth, "points": [list(p) for p in z.points],
                   "path": svg_path(z.outline, width, height), "tap": list(_tap_point(z, aspect)),
                   "line": z.line} for z in fig.zones],
        "callouts": [{"text": c.text, "at": list(c.at), "labelAt": list(c.label_at), "line": c.line}
                     for c in fig.callouts],
    }


def written(path: Path) -> dict:
    """The keys as written in the file (notes and labels left out are not the defaults the loader fills in)."""
    from booklet.read.config import read_toml

    data = read_toml(path)[0]
    kept = {table: [dict(entry) for entry in data.get(table, []) if isinstance(entry, dict)]
            for table in TABLES}
    return kept | {"legend": data.get("legend")}

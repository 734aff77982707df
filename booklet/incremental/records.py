"""Cache and stamp records as JSON: data only, so a ``.cache`` folder from someone else's
booklet root can never run code when it is read (issue 14: loading the old records could).

JSON has no bytes, tuples, sets or paths, and booklet caches a few dataclasses; each of
these is written as a one-key object (``{"$tuple": [...]}``).  Bytes (images, mostly) are
not put in the JSON: a record is one line of JSON, a newline, then the bytes it refers to
as ``{"$bytes": [start, length]}`` (base64 in the JSON made records 35 times slower to write
than the records they replace).  Only the dataclasses named in :data:`KINDS` are ever made
back, field by field; anything else in a file makes the whole record a miss.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
from pathlib import Path, PurePath

#: The classes a record may hold, by the name written in the file.
KINDS = {
    "Page": "booklet.model:Page",
    "Resource": "booklet.model:Resource",
    "ChapterStats": "booklet.render.booklet:ChapterStats",
    "Entry": "booklet.publish.catalog:Entry",
    "Diagnostic": "booklet.errors:Diagnostic",
    "Made": "booklet.model:Made",
}


class BadRecord(ValueError):
    """A record file that is not one booklet wrote: treated as missing."""


_PLAIN = frozenset({str, int, float, bool, type(None)})


def encode(value, blobs: list[tuple[int, bytes]]):
    """Return *value* as plain JSON data, its bytes appended to *blobs* as (offset, bytes)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list or kind is tuple:
        items = [v if type(v) in _PLAIN else encode(v, blobs) for v in value]
        return items if kind is list else {"$tuple": items}
    if kind is dict:
        if all(type(k) is str and not k.startswith("$") for k in value):
            return {k: v if type(v) in _PLAIN else encode(v, blobs) for k, v in value.items()}
        return {"$map": [[encode(k, blobs), encode(v, blobs)] for k, v in value.items()]}
    if isinstance(value, str):          # Markup and other str subclasses: their text
        return str(value)
    if isinstance(value, (set, frozenset)):
        # Sorted so that equal sets write equal files.
        items = sorted((encode(v, blobs) for v in value), key=json.dumps)
        return {"$frozenset" if isinstance(value, frozenset) else "$set": items}
    if isinstance(value, (bytes, bytearray)):
        start = blobs[-1][0] + len(blobs[-1][1]) if blobs else 0
        blobs.append((start, bytes(value)))
        return {"$bytes": [start, len(value)]}
    if isinstance(value, PurePath):
        return {"$path": str(value)}
    name = type(value).__name__
    if dataclasses.is_dataclass(value) and KINDS.get(name) == f"{type(value).__module__}:{name}":
        fields = {f.name: encode(getattr(value, f.name), blobs) for f in dataclasses.fields(value)}
        return {"$" + name: fields}
    raise TypeError(f"cannot record a {type(value).__name__}")


def decode(data, blob: bytes = b""):
    """Return the value that :func:`encode` gave *data* for (its bytes in *blob*); raise
    BadRecord on anything else."""
    kind = type(data)
    if kind in _PLAIN:
        return data
    if kind is list:
        return [v if type(v) in _PLAIN else decode(v, blob) for v in data]
    if kind is not dict:
        raise BadRecord(kind.__name__)
    if len(data) != 1 or not next(iter(data)).startswith("$"):
        return {k: v if type(v) in _PLAIN else decode(v, blob) for k, v in data.items()}
    (tag, body), = data.items()
    return _decode_tagged(tag[1:], body, blob)


def _decode_tagged(tag: str, body, blob: bytes):
    if tag == "map":
        return {_hashable(decode(k, blob)): decode(v, blob) for k, v in _pairs(body)}
    if tag in ("tuple", "set", "frozenset"):
        items = [decode(v, blob) for v in _list(body)]
        if tag == "tuple":
            return tuple(items)
        return (set if tag == "set" else frozenset)(_hashable(v) for v in items)
    if tag == "bytes":
        return _bytes(body, blob)
    if tag == "path" and isinstance(body, str):
        return Path(body)
    if tag in KINDS and isinstance(body, dict):
        return _make(tag, body, blob)
    raise BadRecord(tag)


def _bytes(body, blob: bytes) -> bytes:
    if not (isinstance(body, list) and len(body) == 2 and all(type(n) is int and n >= 0 for n in body)
            and body[0] + body[1] <= len(blob)):
        raise BadRecord("bad bytes reference")
    return blob[body[0]:body[0] + body[1]]


def _make(tag: str, body: dict, blob: bytes):
    module, name = KINDS[tag].split(":")
    cls = getattr(importlib.import_module(module), name)
    names = {f.name for f in dataclasses.fields(cls)}
    if set(body) != names:
        raise BadRecord(f"{tag} fields")
    try:
        return cls(**{k: decode(v, blob) for k, v in body.items()})
    except TypeError as exc:
        raise BadRecord(tag) from exc


def _list(body) -> list:
    if not isinstance(body, list):
        raise BadRecord("not a list")
    return body


def _pairs(body) -> list:
    if not all(isinstance(p, list) and len(p) == 2 for p in _list(body)):
        raise BadRecord("not pairs")
    return body


def _hashable(value):
    try:
        hash(value)
    except TypeError as exc:
        raise BadRecord("unhashable key") from exc
    return value


def dumps(value) -> bytes:
    """Return a record: one line of JSON (no newline can be in it), a newline, the bytes."""
    blobs: list[tuple[int, bytes]] = []
    text = json.dumps(encode(value, blobs), ensure_ascii=False, separators=(",", ":"))
    return b"".join([text.encode("utf-8"), b"\n", *(data for _, data in blobs)])


def loads(data: bytes):
    """Return the record in *data*; raise BadRecord when it is not one."""
    head, newline, blob = data.partition(b"\n")
    if not newline:
        raise BadRecord("no end of the JSON line")
    try:
        return decode(json.loads(head), blob)
    except (ValueError, RecursionError) as exc:     # JSONDecodeError and BadRecord are ValueErrors
        raise BadRecord(str(exc)) from exc

"""Cache and stamp records as JSON: data only, so a ``.cache`` folder from someone else's
booklet root can never run code when it is read (issue 14: loading the old records could).

JSON has no bytes, tuples, sets or paths, and booklet caches a few dataclasses; each of
these is written as a one-key object (``{"$bytes": "<base64>"}``).  Only the dataclasses
named in :data:`KINDS` are ever made back, field by field; anything else in a file makes
the whole record a miss.
"""
from __future__ import annotations

import base64
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


def encode(value):
    """Return *value* as plain JSON data."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        # Sorted so that equal sets write equal files.
        items = sorted((encode(v) for v in value), key=json.dumps)
        return {"$frozenset" if isinstance(value, frozenset) else "$set": items}
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, PurePath):
        return {"$path": str(value)}
    name = type(value).__name__
    if dataclasses.is_dataclass(value) and KINDS.get(name) == f"{type(value).__module__}:{name}":
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$" + name: fields}
    raise TypeError(f"cannot record a {type(value).__name__}")


def decode(data):
    """Return the value that :func:`encode` gave *data* for; raise BadRecord on anything else."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        raise BadRecord(type(data).__name__)
    if len(data) != 1 or not next(iter(data)).startswith("$"):
        return {k: decode(v) for k, v in data.items()}
    (tag, body), = data.items()
    return _decode_tagged(tag[1:], body)


def _decode_tagged(tag: str, body):
    if tag == "map":
        return {_hashable(decode(k)): decode(v) for k, v in _pairs(body)}
    if tag in ("tuple", "set", "frozenset"):
        items = [_hashable(decode(v)) if tag != "tuple" else decode(v) for v in _list(body)]
        return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "bytes" and isinstance(body, str):
        try:
            return base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise BadRecord("bad base64") from exc
    if tag == "path" and isinstance(body, str):
        return Path(body)
    if tag in KINDS and isinstance(body, dict):
        return _make(tag, body)
    raise BadRecord(tag)


def _make(tag: str, body: dict):
    module, name = KINDS[tag].split(":")
    cls = getattr(importlib.import_module(module), name)
    names = {f.name for f in dataclasses.fields(cls)}
    if set(body) != names:
        raise BadRecord(f"{tag} fields")
    try:
        return cls(**{k: decode(v) for k, v in body.items()})
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
    """Return the JSON bytes of a record."""
    return json.dumps(encode(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes):
    """Return the record in *data*; raise BadRecord when it is not one."""
    try:
        return decode(json.loads(data))
    except (ValueError, RecursionError) as exc:     # JSONDecodeError and BadRecord are ValueErrors
        raise BadRecord(str(exc)) from exc

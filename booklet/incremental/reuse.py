"""The incremental layer as the build sees it: what may be reused, and what to record.

Two levels, tried in this order: the stamps (:mod:`booklet.incremental.stamps`: no input
file touched, nothing read at all) and the content-hash cache
(:mod:`booklet.incremental.cache`: inputs read and hashed, the EPUB in place kept when
they hash as before).  Either gives back the record written when the EPUB was put in
place: what rendering made, the validation verdict and the warnings, so that a reused
booklet reports (and with --strict, fails on) the same warnings as a fresh build.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from booklet.incremental.cache import Cache, booklet_inputs_hash, file_sha256
from booklet.incremental.stamps import Stamp, Stamps, booklet_stamp, partner_stamp


@dataclass
class Inputs:
    """What one booklet is built from: its files' stamp (taken before reading them, so a file
    saved meanwhile shows as changed next time), its partners, and the hash of it all."""

    files: Stamp = field(default_factory=dict)
    partners: tuple[str, ...] = ()
    key: str | None = None


def inputs_before_reading(root: Path, slug: str) -> Inputs:
    """Stamp a booklet's files before they are read."""
    return Inputs(booklet_stamp(root, slug))


def inputs_after_reading(inputs: Inputs, root: Path, slug: str, partners) -> Inputs:
    """Add the partners a booklet names, and hash everything it is built from."""
    partners = tuple(partners)
    files = {**inputs.files, **partner_stamp(root, partners)}
    return Inputs(files, partners, booklet_inputs_hash(root, slug, partners))


def cache_for(root: Path, read: bool = True) -> Cache:
    """The content-hash cache of a root (``read=False``: store only, for --no-cache)."""
    return Cache(root / ".cache" / "booklet", read=read)


def stamped_record(stamps: Stamps, final: Path, slug: str, want_valid: bool) -> dict | None:
    """The record of a booklet whose files are untouched since its EPUB was put in place."""
    return stamps.fresh(slug, final, want_valid=want_valid)


def cached_record(cache: Cache, inputs: Inputs, final: Path, want_valid: bool) -> dict | None:
    """The record of the EPUB in place when it was built from inputs that hash as these do."""
    record = cache.get("booklet", inputs.key) if inputs.key else None
    if not isinstance(record, dict) or record.get("sha256") != file_sha256(final):
        return None
    if want_valid and record.get("validation") != "valid":
        return None
    return record


def remember(root: Path, stamps: Stamps, slug: str, final: Path, inputs: Inputs, record: dict,
             sha256: str | None = None) -> None:
    """Record a booklet put in place: in the content-hash cache when it was just made (its
    *sha256* given), and always in its stamp."""
    if sha256 and inputs.key:
        cache_for(root).put("booklet", inputs.key, {**record, "sha256": sha256})
    if inputs.files:
        stamps.record(slug, final, inputs.partners, inputs.files, record)

"""Decode a figure's base drawing once and share it between the figures that use it."""
from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections import OrderedDict
from pathlib import Path

from PIL import Image, ImageOps

from booklet.errors import ContentError

from .imaging import to_rgb
from .model import Figure
from .basefile import MAX_BASE_PIXELS


def open_base(fig: Figure) -> Image.Image:
    """The base image in sRGB RGB; not to be changed (it may be shared with other figures)."""
    try:
        data = fig.base.read_bytes()
    except OSError as exc:
        raise ContentError(f"base image cannot be read: {exc.strerror}", path=fig.base,
                           hint=f"named by {fig.path}") from None
    try:
        return _BASES.get(data, lambda: _decode_base(data, fig.base))
    except ContentError as exc:
        exc.hint = exc.hint or f"named by {fig.path}"
        raise


class _DecodedBases:
    """Decoded base drawings by content, a few per process.

    The figures of a booklet mostly share a base drawing, and the booklets of a series often
    carry copies of one (each in its own images/<slug>/); decoding is a fifth of a figure's
    cost.  Keyed by a hash of the bytes, so an edited file is decoded again.  Figures render
    in threads: a second figure on a base being decoded waits for it rather than decoding
    it again alongside.
    """

    def __init__(self, size: int = 4):
        self.size = size
        self.images: OrderedDict[bytes, Image.Image] = OrderedDict()
        self.locks: dict[bytes, threading.Lock] = {}
        self.guard = threading.Lock()

    def get(self, data: bytes, decode) -> Image.Image:
        digest = hashlib.blake2b(data, digest_size=16).digest()
        with self.guard:
            lock = self.locks.setdefault(digest, threading.Lock())
        with lock:
            with self.guard:
                if digest in self.images:
                    self.images.move_to_end(digest)
                    return self.images[digest]
            image = decode()
            with self.guard:
                self.images[digest] = image
                while len(self.images) > self.size:
                    old, _ = self.images.popitem(last=False)
                    self.locks.pop(old, None)
            return image


_BASES = _DecodedBases()


def _decode_base(data: bytes, path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                w, h = im.size
                if w * h > MAX_BASE_PIXELS:       # checked again: the file may have changed
                    raise ContentError(
                        f"base image is {w} x {h} = {w * h:,} px, over the "
                        f"{MAX_BASE_PIXELS:,} px limit", path=path, hint="scale it down")
                im.load()
                if im.format == "JPEG":
                    im = ImageOps.exif_transpose(im)
                return to_rgb(im)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ContentError(f"base image is over the {MAX_BASE_PIXELS:,} px limit",
                           path=path, hint="scale it down") from None
    except OSError as exc:
        raise ContentError(f"base image cannot be decoded: {exc}", path=path) from None

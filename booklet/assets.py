"""Find, check and collect the files a booklet's pages use: images, video, figures."""
from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from PIL import Image

from booklet.errors import ContentError
from booklet.model import Resource

MAX_PIXELS = 4_000_000
# EPUB 3.3 core media types for images, by Pillow's format name.
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
MEDIA_TYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm",
               ".svg": "image/svg+xml", ".mp3": "audio/mpeg", ".m4a": "audio/mp4"}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def is_remote(src: str) -> bool:
    """Tell whether *src* names a resource by URL (scheme or protocol-relative)."""
    return bool(_SCHEME.match(src)) or src.startswith("//")


class AssetStore:
    """The resources of one booklet, each added once, each checked on the way in."""

    def __init__(self, root: Path, image_dir: Path):
        self.root = root.resolve()
        self.image_dir = image_dir
        self.resources: dict[str, Resource] = {}
        self._by_source: dict[Path, str] = {}

    def resolve(self, src: str, base_dir: Path) -> Path:
        """Find *src* beside the chapter first, then in the booklet's image folder."""
        if is_remote(src):
            raise ContentError(f"remote resource {src!r} is not allowed",
                               hint="EPUBs must be self-contained: download the file into images/ "
                                    "and refer to it by a relative path")
        if src.startswith("/") or os.path.isabs(src) or re.match(r"^[A-Za-z]:[\\/]", src):
            raise ContentError(f"absolute path {src!r} is not allowed",
                               hint="use a path relative to the chapter or to the images folder")
        for folder in (base_dir, self.image_dir):
            candidate = folder / src
            if candidate.is_file() or candidate.is_symlink():
                return self._inside_root(src, candidate)
        if ".." in PurePosixPath(src).parts:
            self._inside_root(src, base_dir / src)
        raise ContentError(f"file {src!r} not found",
                           hint=f"looked in {_rel(base_dir, self.root)}/ and {_rel(self.image_dir, self.root)}/")

    def _inside_root(self, src: str, candidate: Path) -> Path:
        real = candidate.resolve()
        if not real.is_relative_to(self.root):
            raise ContentError(f"path {src!r} leads outside the booklet root",
                               hint="keep images inside the booklet's chapters/ or images/ folder; "
                                    "links pointing out are refused")
        if not real.is_file():
            raise ContentError(f"file {src!r} not found", hint="the link points at nothing")
        return real

    def add_image(self, path: Path) -> Resource:
        """Check an image (format, size, integrity) and add it; return its resource."""
        if path in self._by_source:
            return self.resources[self._by_source[path]]
        media_type, _ = check_image(path)
        return self.add_bytes(path.name, path.read_bytes(), media_type, source=path)

    def add_media(self, path: Path) -> Resource:
        """Add a video or audio file by its extension."""
        if path in self._by_source:
            return self.resources[self._by_source[path]]
        media_type = MEDIA_TYPES.get(path.suffix.lower())
        if media_type is None:
            raise ContentError(f"unsupported media file type {path.suffix!r}",
                               hint="use .mp4 or .webm video, or .mp3 / .m4a audio")
        return self.add_bytes(path.name, path.read_bytes(), media_type, source=path)

    def add_bytes(self, name: str, data: bytes, media_type: str, folder: str = "images",
                  source: Path | None = None, properties: tuple[str, ...] = ()) -> Resource:
        """Add generated or read bytes under a URL-safe, unique name in *folder*."""
        stem, dot, ext = _SAFE_NAME.sub("-", name).rpartition(".")
        stem = stem or ext
        href, n = f"{folder}/{stem}{dot}{ext}", 2
        while href in self.resources:
            href, n = f"{folder}/{stem}-{n}{dot}{ext}", n + 1
        resource = Resource(href, media_type, data, properties, source)
        self.resources[href] = resource
        if source is not None:
            self._by_source[source] = href
        return resource


def check_image(path: Path) -> tuple[str, tuple[int, int]]:
    """Return (media type, size) of a usable image, refusing bombs before decoding them."""
    try:
        with Image.open(path) as img:
            size, fmt = img.size, img.format
            if size[0] * size[1] > MAX_PIXELS:
                # Checked from the header alone, so a decompression bomb is never decoded.
                raise ContentError(f"image {path.name!r} is {size[0]}×{size[1]} = {size[0] * size[1]:,} pixels, "
                                   f"over the limit of {MAX_PIXELS:,}",
                                   hint="scale it down, e.g. to 2048 px on the long side")
            if fmt not in IMAGE_TYPES:
                raise ContentError(f"image {path.name!r} is {fmt or 'of an unknown format'}, which EPUB readers "
                                   "do not all show", hint="convert it to PNG or JPEG")
            img.verify()
        with Image.open(path) as img:
            img.load()   # verify() misses truncation; a full decode does not
    except ContentError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ContentError(f"image {path.name!r} is corrupt or truncated ({exc})",
                           hint="export it again as PNG or JPEG") from None
    return IMAGE_TYPES[fmt], size


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)

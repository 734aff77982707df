"""Find, check and collect the files a booklet's pages use: images, video, figures."""
from __future__ import annotations

import difflib
import os
import re
import struct
import warnings
from pathlib import Path, PurePosixPath

from PIL import Image, UnidentifiedImageError

from booklet.errors import ContentError
from booklet.model import Resource

MAX_PIXELS = 4_000_000
# EPUB 3.3 core media types for images, by Pillow's format name.
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
MEDIA_TYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm",
               ".svg": "image/svg+xml", ".mp3": "audio/mpeg", ".m4a": "audio/mp4"}
REMOTE_HINT = "EPUBs must be self-contained: put the file in images/ and use a relative path"
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
        self.touched: list[str] = []      # hrefs used since the last reset, in order (for the cache)

    def resolve(self, src: str, base_dir: Path) -> Path:
        """Find *src* beside the chapter first, then in the booklet's image folder."""
        if is_remote(src):
            raise ContentError(f"remote resource {src!r} is not allowed",
                               hint=REMOTE_HINT)
        if src.startswith("/") or os.path.isabs(src) or re.match(r"^[A-Za-z]:[\\/]", src):
            raise ContentError(f"absolute path {src!r} is not allowed",
                               hint="use a path relative to the chapter or to the images folder")
        for folder in (base_dir, self.image_dir):
            candidate = folder / src
            try:
                found = candidate.is_file() or candidate.is_symlink()
            except (OSError, ValueError):      # a name too long, a NUL byte: not a file we can have
                found = False
            if found:
                return self._inside_root(src, candidate)
        if ".." in PurePosixPath(src).parts:
            self._inside_root(src, base_dir / src, must_exist=False)
        looked = f"looked in {_rel(base_dir, self.root)}/ and {_rel(self.image_dir, self.root)}/"
        near = _nearest(src, (base_dir, self.image_dir))
        raise ContentError(f"file {src!r} not found",
                           hint=f"did you mean {near!r}? {looked}" if near else looked)

    def _inside_root(self, src: str, candidate: Path, must_exist: bool = True) -> Path:
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):        # a symlink loop
            raise ContentError(f"file {src!r} is a symbolic link that loops",
                               hint="replace the link by the file itself") from None
        if not real.is_relative_to(self.root):
            if ".." not in PurePosixPath(src).parts:
                raise ContentError(f"file {src!r} is a symbolic link to a file outside the booklet root",
                                   hint=f"copy the file into {_rel(self.image_dir, self.root)}/ "
                                        "instead of linking to it")
            raise ContentError(f"path {src!r} leads outside the booklet root",
                               hint=f"copy the file into {_rel(self.image_dir, self.root)}/ and refer to it "
                                    "from there")
        if must_exist and not real.is_file():
            raise ContentError(f"file {src!r} not found", hint="it is a symbolic link to a file that does not "
                                                               "exist")
        return real

    def add_image(self, path: Path) -> Resource:
        """Check an image (format, size, integrity) and add it; return its resource."""
        if path in self._by_source:
            return self._touch(self.resources[self._by_source[path]])
        media_type, _ = check_image(path)
        return self.add_bytes(path.name, path.read_bytes(), media_type, source=path)

    def add_media(self, path: Path) -> Resource:
        """Add a video or audio file by its extension."""
        if path in self._by_source:
            return self._touch(self.resources[self._by_source[path]])
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
        return self._touch(resource)

    def _touch(self, resource: Resource) -> Resource:
        self.touched.append(resource.href)
        return resource

    def restore(self, resources: list[Resource]) -> bool:
        """Put back resources a cached chapter used; False if one clashes with what is here."""
        for resource in resources:
            present = self.resources.get(resource.href)
            if present is not None and present.data != resource.data:
                return False
        for resource in resources:
            if resource.href not in self.resources:
                self.resources[resource.href] = resource
                if resource.source is not None:
                    self._by_source[resource.source] = resource.href
        return True


def check_image(path: Path) -> tuple[str, tuple[int, int]]:
    """Return (media type, size) of a usable image, refusing bombs before decoding them."""
    if path.suffix.lower() == ".svg":
        return check_svg(path), (0, 0)
    try:
        with warnings.catch_warnings():
            # Only the header is read before the size check; Pillow's own bomb warning is noise here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                size, fmt = img.size, img.format
                if size[0] * size[1] > MAX_PIXELS:
                    # Checked from the header alone, so a decompression bomb is never decoded.
                    raise ContentError(f"image {path.name!r} is {size[0]}×{size[1]} = "
                                       f"{size[0] * size[1]:,} pixels, over the limit of {MAX_PIXELS:,}",
                                       hint="scale it down, e.g. to 2048 px on the long side")
                if fmt not in IMAGE_TYPES:
                    raise ContentError(f"image {path.name!r} is {fmt or 'of an unknown format'}, which EPUB "
                                       "readers do not all show", hint="convert it to PNG or JPEG")
                img.verify()
            with Image.open(path) as img:
                img.load()   # verify() misses truncation; a full decode does not
    except ContentError:
        raise
    except Image.DecompressionBombError:
        # Pillow refuses headers over twice its own limit before we see the size.
        raise ContentError(f"image {path.name!r} is over the limit of {MAX_PIXELS:,} pixels",
                           hint="scale it down, e.g. to 2048 px on the long side") from None
    except UnidentifiedImageError:
        raise ContentError(f"image {path.name!r} is not a PNG, JPEG, GIF or WebP image",
                           hint="export it again as PNG or JPEG") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, MemoryError) as exc:
        raise ContentError(f"image {path.name!r} is corrupt or truncated: {_reason(exc)}",
                           hint="export it again as PNG or JPEG") from None
    return IMAGE_TYPES[fmt], size


def _reason(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__


def check_svg(path: Path) -> str:
    """Check that an SVG image is well-formed, script-free XML; return its media type."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        tree = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise ContentError(f"image {path.name!r} is not well-formed SVG: {exc.msg}", path, exc.lineno,
                           hint="export it again from your drawing program") from None
    if tree.tag != "{http://www.w3.org/2000/svg}svg":
        raise ContentError(f"image {path.name!r} is not an SVG image (its root element is not <svg> in the "
                           "SVG namespace)", path, tree.sourceline, hint="export it again as SVG, PNG or JPEG")
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        name = element.tag.rsplit("}", 1)[-1]
        handlers = [a for a in element.attrib if a.rsplit("}", 1)[-1].lower().startswith("on")]
        if name == "script" or handlers:
            what = f"<{name}>" if not handlers else f"{handlers[0]}="
            raise ContentError(f"image {path.name!r} contains {what}, which is not allowed in an image",
                               path, element.sourceline, hint="remove it from the SVG")
    return MEDIA_TYPES[".svg"]


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def _nearest(src: str, folders) -> str | None:
    """The file name in ``folders`` nearest to ``src``'s, with the same suffix, for a typo's fix."""
    wanted = PurePosixPath(src)
    names = set()
    for folder in folders:
        try:
            names.update(p.name for p in folder.iterdir() if p.suffix.lower() == wanted.suffix.lower())
        except OSError:
            continue
    close = difflib.get_close_matches(wanted.name, sorted(names), n=1, cutoff=0.6)
    return close[0] if close else None

"""f- rules: the files inside the EPUB: names, image sizes, the cover."""
from __future__ import annotations

import io
import re
import warnings

from PIL import Image

from booklet.check.lint.epub import Epub
from booklet.check.lint.model import ERROR, WARNING, Hit, rule
from booklet.limits import MAX_IMAGE_BYTES as MAX_BYTES
from booklet.limits import MAX_PIXELS, MIN_COVER_WIDTH

URL_SAFE = re.compile(r"[A-Za-z0-9._~/-]+")


@rule("f-001", ERROR, "file name in the EPUB is not URL-safe")
def unsafe_names(epub: Epub):
    for name in epub.files:
        if not URL_SAFE.fullmatch(name):
            bad = "".join(sorted({c for c in name if not URL_SAFE.fullmatch(c)}))
            yield Hit(name, None, f"file name is not URL-safe (has {bad!r}): use only letters, digits, "
                                  "'.', '_', '-' and '/'")


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the image's header, or None when Pillow cannot read it (SVG too)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except Image.DecompressionBombError:
        return (1 << 16, 1 << 16)     # far over any limit; the real size is not needed to say so
    except Exception:                  # not a raster image Pillow knows: EPUBCheck judges those
        return None


@rule("f-002", WARNING, "image over 4,000,000 pixels")
def too_many_pixels(epub: Epub):
    for path in epub.images:
        size = image_size(epub.files[path])
        if size and size[0] * size[1] > MAX_PIXELS:
            width, height = size
            yield Hit(path, None, f"image is {width} × {height} = {width * height:,} pixels, over "
                                  f"{MAX_PIXELS:,}: reading systems scale it down or refuse it")


@rule("f-003", WARNING, "image file over 1.5 MB")
def too_many_bytes(epub: Epub):
    for path in epub.images:
        size = len(epub.files[path])
        if size > MAX_BYTES:
            yield Hit(path, None, f"image file is {size / 1e6:.1f} MB, over {MAX_BYTES / 1e6:.1f} MB: "
                                  "compress it or make it smaller")


@rule("f-004", WARNING, "cover image under 1400 px wide")
def small_cover(epub: Epub):
    cover = epub.cover
    size = image_size(epub.files[cover]) if cover in epub.files else None
    if size and size[0] < MIN_COVER_WIDTH:
        yield Hit(cover, None, f"cover image is {size[0]} px wide, under {MIN_COVER_WIDTH}: "
                               "stores such as Apple Books want at least 1400")

"""The cover image: the author's own, or one drawn with Pillow from the title."""
from __future__ import annotations

import textwrap
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from booklet.read.assets import COVER_TYPES, AssetStore, as_png, check_image
from booklet.incremental.cache import Cache, tool_hash, templates_hash
from booklet.incremental.cache import key as cache_key
from booklet.read.config import key_line
from booklet.errors import ConfigError, ContentError, Report
from booklet.figures.imaging import palette_png, thumbnail_jpeg
from booklet.limits import MIN_COVER_WIDTH
from booklet.model import Booklet, Resource
from booklet.render.theme import theme_file

SIZE = (1600, 2400)
MIN_WIDTH = MIN_COVER_WIDTH
#: The catalog's thumbnails are this wide (a quarter of the drawn cover: one box reduce).
THUMB_WIDTH = 400
INK, PAPER, ACCENT, MUTED = (38, 36, 44), (246, 240, 228), (178, 34, 34), (120, 110, 100)
RINGS = ((430, (240, 205, 196)), (320, (228, 160, 150)), (210, (210, 105, 95)), (110, (190, 50, 45)))


def cover_resource(booklet: Booklet, assets: AssetStore, report: Report,
                   cache: Cache | None = None) -> tuple[Resource, tuple | None]:
    """Return the cover image resource, added to *assets*, and a drawn cover's catalog thumbnail."""
    if booklet.meta.cover:
        try:
            path = assets.resolve(booklet.meta.cover, booklet.source_dir)
            media_type, size = check_image(path)
            if size[0] < MIN_WIDTH:
                raise ContentError(f"cover is {size[0]} px wide, under the {MIN_WIDTH} px that stores ask for",
                                   hint="use an image at least 1600×2400")
            data = path.read_bytes()
            if media_type not in COVER_TYPES:
                # EPUBCheck wants a PNG or JPEG cover (PKG-022 for a GIF); a WebP was stored as cover.png.
                data, media_type = as_png(path), "image/png"
            ext = "jpg" if media_type == "image/jpeg" else "png"
            return assets.add_bytes(f"cover.{ext}", data, media_type, properties=("cover-image",)), None
        except ContentError as exc:
            text = booklet.config_path.read_text(encoding="utf-8")
            report.error(ConfigError(exc.message, booklet.config_path, key_line(text, "cover", "booklet"),
                                     hint=exc.hint))
    # A drawn cover depends only on these and on the tool and its fonts: kept in the cache,
    # so a rebuild after editing a chapter does not draw it again.
    meta = booklet.meta
    ident = cache_key(tool_hash(), templates_hash(booklet.root), meta.title, meta.subtitle or "",
                      meta.series or "", meta.author)
    drawn = cache.get("cover", ident) if cache is not None else None
    if drawn is None:
        image = draw_cover(booklet)
        # Flat colours and type: a palette PNG, a third of the bytes of a full-colour one.
        drawn = (palette_png(image, cover_palette()), thumbnail_jpeg(image, THUMB_WIDTH))
        if cache is not None:
            cache.put("cover", ident, drawn)
    resource = assets.add_bytes("cover.png", drawn[0], "image/png", properties=("cover-image",))
    return resource, drawn[1]


@lru_cache(maxsize=16)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _theme_font(root, name: str, size: int) -> ImageFont.FreeTypeFont:
    return _font(str(theme_file(root, f"fonts/{name}")), size)


@lru_cache(maxsize=1)
def _background() -> Image.Image:
    """The bars and the motif, the same on every cover: drawn once per process."""
    img = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(img)
    width = SIZE[0]
    draw.rectangle([0, 0, width, 90], fill=ACCENT)
    draw.rectangle([0, SIZE[1] - 90, width, SIZE[1]], fill=ACCENT)
    # The motif: a trigger point (an X) in the middle of rings of referred pain.
    cx, cy = width // 2, 1500
    for radius, shade in RINGS:
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=shade)
    for dx in (-1, 1):
        draw.line([cx - 55, cy - 55 * dx, cx + 55, cy + 55 * dx], fill=INK, width=22)
    return img


@lru_cache(maxsize=1)
def cover_palette() -> Image.Image:
    """Every colour a cover is drawn in, and ramps from the paper to each ink for the
    antialiased type: a fixed palette, so no quantizer has to find one."""
    colours = [PAPER, ACCENT, INK, MUTED, *(shade for _, shade in RINGS)]
    steps = (256 - len(colours)) // 2
    for ink in (INK, MUTED):
        colours += [tuple(round(p + (i + 1) * (c - p) / (steps + 1)) for p, c in zip(PAPER, ink))
                    for i in range(steps)]
    palette = Image.new("P", (1, 1))
    palette.putpalette([v for colour in colours for v in colour])
    return palette


def draw_cover(booklet: Booklet) -> Image.Image:
    """Draw a plain, typographic cover: title, subtitle, author and a trigger point motif."""
    meta, root = booklet.meta, booklet.root
    img = _background().copy()
    draw = ImageDraw.Draw(img)
    y = 260
    if meta.series:
        y = _centered(draw, meta.series.upper(), _theme_font(root, "Lato-Bold.ttf", 54), y, MUTED) + 60
    for line in textwrap.wrap(meta.title, 22):
        y = _centered(draw, line, _theme_font(root, "Lato-Bold.ttf", 118), y, INK) + 24
    if meta.subtitle:
        y += 30
        for line in textwrap.wrap(meta.subtitle, 34):
            y = _centered(draw, line, _theme_font(root, "NotoSerif-Italic.ttf", 64), y, MUTED) + 16
    _centered(draw, meta.author, _theme_font(root, "Lato-Regular.ttf", 64), SIZE[1] - 300, INK)
    return img


def _centered(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, y: int, fill) -> int:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((SIZE[0] - (right - left)) // 2 - left, y - top), text, font=font, fill=fill)
    return y + (bottom - top)

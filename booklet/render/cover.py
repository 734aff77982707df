"""The cover image: the author's own, or one drawn with Pillow from the title."""
from __future__ import annotations

import textwrap
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from booklet.read.assets import COVER_TYPES, AssetStore, as_png, check_image
from booklet.incremental.cache import Cache, file_sha256, tool_hash, templates_hash
from booklet.incremental.cache import key as cache_key
from booklet.read.config import key_line
from booklet.errors import ConfigError, ContentError, Report
from booklet.figures.fonts import TextFonts, font_characters
from booklet.figures.imaging import png_bytes, thumbnail_jpeg
from booklet.limits import MIN_COVER_WIDTH
from booklet.model import Booklet, Resource
from booklet.render.theme import theme_file

SIZE = (1600, 2400)
MARGIN = 160                         # the least room left and right of a line of the cover
BAND_PAD = 4                         # rows above and below a line's ink box, for its antialiasing
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
    fonts = booklet_fonts(booklet, assets, report)
    ident = cache_key(tool_hash(), templates_hash(booklet.root), meta.title, meta.subtitle or "",
                      meta.series or "", meta.author, meta.language, _font_stamp(fonts))
    drawn = cache.get("cover", ident) if cache is not None else None
    if drawn is None:
        bands: list[tuple[int, int]] = []
        try:
            image = draw_cover(booklet, fonts, bands=bands)
        except ContentError as exc:      # characters no font draws: say which, at the key
            report.error(_at_key(booklet, exc))
            bands.clear()                # the lines of the failed drawing are not on this one
            image = draw_cover(booklet, fonts, plain=True, bands=bands)
        drawn = (cover_png(image, bands), thumbnail_jpeg(image, THUMB_WIDTH))
        if cache is not None:
            cache.put("cover", ident, drawn)
    resource = assets.add_bytes("cover.png", drawn[0], "image/png", properties=("cover-image",))
    return resource, drawn[1]


@lru_cache(maxsize=16)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def booklet_fonts(booklet: Booklet, assets: AssetStore, report: Report | None = None) -> TextFonts:
    """The fonts for text drawn in the booklet's language: ``font`` in booklet.toml (a file
    inside the root), then the shipped font for the language's script, then Lato."""
    named = None
    if booklet.meta.font:
        try:
            named = assets.resolve(booklet.meta.font, booklet.source_dir)
            font_characters(named)
        except ContentError as exc:
            if report is None:
                raise
            report.error(_at_key(booklet, exc, "font"))
            named = None
    return TextFonts(booklet.meta.language, named)


def _font_stamp(fonts: TextFonts) -> str:
    return file_sha256(fonts.named) if fonts.named else ""


def _at_key(booklet: Booklet, exc: ContentError, key: str | None = None) -> ConfigError:
    """``exc`` as an error at the booklet.toml line of ``key`` (for drawn text: the first one that fails)."""
    text = booklet.config_path.read_text(encoding="utf-8")
    if key is None:
        chars = getattr(exc, "characters", [])
        meta = booklet.meta
        key = next((k for k in ("title", "subtitle", "series", "author")
                    if any(ch in (getattr(meta, k) or "") for ch in chars)), "title")
    return ConfigError(exc.message, booklet.config_path, key_line(text, key, "booklet"), hint=exc.hint)


def _theme_font(root, name: str, size: int, fonts: TextFonts | None = None, text: str = "",
                plain: bool = False) -> list[tuple[str, ImageFont.FreeTypeFont]]:
    """``text`` as runs of (text, font): the theme's font, or the booklet's fonts for its script."""
    latin = theme_file(root, f"fonts/{name}")
    if fonts is None or plain:
        return [(text, _font(str(latin), size))]
    runs = fonts.fonts(text, size, latin)
    if len(runs) == 1 and fonts.runs(text, latin)[0][1] == latin:
        return [(text, _font(str(latin), size))]    # as covers were always drawn
    return runs


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


def cover_png(image: Image.Image, bands: list[tuple[int, int]]) -> bytes:
    """The cover as a palette PNG (flat colours and type: a third of the bytes of a
    full-colour one).  The background is mapped to the palette once per process and only the
    ``bands`` of rows that type was drawn in are mapped again: the same bytes as mapping the
    whole cover, in a quarter of the time (7 ms a cover)."""
    indexed = _indexed_background().copy()
    for top, bottom in bands:
        box = (0, max(0, top - BAND_PAD), SIZE[0], min(SIZE[1], bottom + BAND_PAD))
        indexed.paste(image.crop(box).quantize(palette=cover_palette(), dither=Image.Dither.NONE), box)
    return png_bytes(indexed)


@lru_cache(maxsize=1)
def _indexed_background() -> Image.Image:
    return _background().quantize(palette=cover_palette(), dither=Image.Dither.NONE)


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


def draw_cover(booklet: Booklet, fonts: TextFonts | None = None, plain: bool = False,
               bands: list[tuple[int, int]] | None = None) -> Image.Image:
    """Draw a plain, typographic cover: title, subtitle, author and a trigger point motif.

    Text is drawn in the booklet's language with ``fonts`` (right-to-left text shaped and
    ordered); ``plain`` draws it with the theme's fonts only, for a build that has failed.
    The rows each line of type covers, (top, bottom), are added to ``bands``.
    """
    meta, root = booklet.meta, booklet.root

    def line(text: str, name: str, size: int, y: int, fill) -> int:
        bottom = _centered(draw, _theme_font(root, name, size, fonts, text, plain), y, fill)
        if bands is not None:
            bands.append((y, bottom))
        return bottom

    def lines(text: str, width: int, name: str, size: int) -> list[str]:
        """Wrapped at spaces, and between characters where a line has none (CJK)."""
        out = []
        for part in textwrap.wrap(text, width):
            while _width(_theme_font(root, name, size, fonts, part, plain)) > SIZE[0] - MARGIN and len(part) > 1:
                cut = len(part) - 1
                while cut > 1 and _width(_theme_font(root, name, size, fonts, part[:cut], plain)) > SIZE[0] - MARGIN:
                    cut -= 1
                out.append(part[:cut])
                part = part[cut:]
            out.append(part)
        return out

    img = _background().copy()
    draw = ImageDraw.Draw(img)
    y = 260
    if meta.series:
        y = line(meta.series.upper(), "Lato-Bold.ttf", 54, y, MUTED) + 60
    for text in lines(meta.title, 22, "Lato-Bold.ttf", 118):
        y = line(text, "Lato-Bold.ttf", 118, y, INK) + 24
    if meta.subtitle:
        y += 30
        for text in lines(meta.subtitle, 34, "NotoSerif-Italic.ttf", 64):
            y = line(text, "NotoSerif-Italic.ttf", 64, y, MUTED) + 16
    line(meta.author, "Lato-Regular.ttf", 64, SIZE[1] - 300, INK)
    return img


def _width(runs) -> float:
    return sum(font.getlength(text) for text, font in runs)


def _centered(draw: ImageDraw.ImageDraw, runs, y: int, fill) -> int:
    """Draw runs of (text, font) centred on one line whose ink starts at ``y``; return its bottom."""
    if len(runs) == 1:
        text, font = runs[0]
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        draw.text(((SIZE[0] - (right - left)) // 2 - left, y - top), text, font=font, fill=fill)
        return y + (bottom - top)
    boxes = [draw.textbbox((0, 0), text, font=font, anchor="ls") for text, font in runs]
    top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
    width = sum(font.getlength(text) for text, font in runs)
    x = (SIZE[0] - width) / 2
    for text, font in runs:
        draw.text((x, y - top), text, font=font, fill=fill, anchor="ls")
        x += font.getlength(text)
    return y + (bottom - top)

"""Composite a figure: base drawing + referral zones + trigger point markers + callout
leader lines + legend, as one deterministic sRGB raster.

Callout *text* is not drawn here: it goes into the XHTML as live SVG text (see
:mod:`booklet.figures.markup`) so it stays sharp, selectable and translatable.
The legend text is drawn into the raster with Lato from ``templates/fonts/``,
never a system font, so the image bytes are the same on every machine.
"""
from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

from booklet.limits import MAX_IMAGE_BYTES, MAX_PIXELS

from .bases import open_base
from .fonts import TextFonts
from .geometry import (  # noqa: F401  (re-exported: the markup and tests import them from here)
    TARGET_LONG_SIDE,
    callout_geometry,
    interior_point,
    label_font_size,
    point_in_polygon,
)
from .grid import draw_grid, draw_taps
from .imaging import palette_png
from .layers import Layer, callout_layers, marker_layers, zone_layers
from .legend import legend_layers
from .model import Figure, RenderedImage

#: The output never has more pixels than this.
MAX_OUTPUT_PIXELS = MAX_PIXELS
#: Each output file is kept at or under this many bytes.
MAX_OUTPUT_BYTES = MAX_IMAGE_BYTES
#: Overlays are drawn at this multiple of the output size, then downsampled (antialiasing).
SUPERSAMPLE = 2
#: Layers are composited only in the cells of this grid (overlay pixels, an even number)
#: where they draw: the one layer of all essential zones spans a fifth of a figure, mostly
#: empty, and skipping its empty cells left a third of the compositing.
CELL = 256

Box = tuple[int, int, int, int]


def output_size(base_size: tuple[int, int]) -> tuple[int, int]:
    """The size of the rendered image for a base image of ``base_size``.

    The long side becomes TARGET_LONG_SIDE (scaling up or down), unless that
    would make more than MAX_OUTPUT_PIXELS, in which case it is smaller.
    """
    w, h = base_size
    scale = TARGET_LONG_SIDE / max(w, h)
    if w * h * scale * scale > MAX_OUTPUT_PIXELS:
        scale = math.sqrt(MAX_OUTPUT_PIXELS / (w * h))
    while True:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        if size[0] * size[1] <= MAX_OUTPUT_PIXELS:
            return size
        scale *= 0.999


def _regions(boxes: list[Box], scale: int) -> list[Box]:
    """Disjoint rectangles of the output (1x) image that together hold every layer box
    (given at ``scale`` x): overlapping rectangles are merged until none overlap, so each
    output pixel is finished in one region with every layer that touches it."""
    rects = [(b[0] // scale, b[1] // scale, -(-b[2] // scale), -(-b[3] // scale)) for b in boxes]
    merged = True
    while merged:
        merged = False
        kept: list[Box] = []
        for r in rects:
            for i, k in enumerate(kept):
                if r[0] < k[2] and k[0] < r[2] and r[1] < k[3] and k[1] < r[3]:
                    kept[i] = (min(r[0], k[0]), min(r[1], k[1]), max(r[2], k[2]), max(r[3], k[3]))
                    merged = True
                    break
            else:
                kept.append(r)
        rects = kept
    return sorted(rects)


def _cells(layer: Layer) -> list[Box]:
    """The parts of ``layer.box``, one per grid cell, where the layer has a pixel that is not
    fully transparent.  The grid is fixed to the image and its lines fall on even overlay
    pixels, so each cell's 2 x 2 blocks are those of a whole-canvas pass: the same pixels.
    A paint layer is kept whole (it draws once, inside one region)."""
    if layer.image is None:
        return [layer.box]
    x0, y0, x1, y1 = layer.box
    found = []
    for top in range(y0 - y0 % CELL, y1, CELL):
        for left in range(x0 - x0 % CELL, x1, CELL):
            cell = (max(left, x0), max(top, y0), min(left + CELL, x1), min(top + CELL, y1))
            if layer.image.crop((cell[0] - x0, cell[1] - y0, cell[2] - x0, cell[3] - y0)).getbbox():
                found.append(cell)
    return found


def _meets(cells: list[Box], region: Box) -> bool:
    """Does any of ``cells`` (overlay pixels) overlap ``region`` (output pixels)?"""
    s = SUPERSAMPLE
    return any(c[0] < region[2] * s and region[0] * s < c[2] and c[1] < region[3] * s and region[1] * s < c[3]
               for c in cells)


def _finish_region(canvas: Image.Image, region: Box, layers: list[Layer]) -> None:
    """Enlarge one region of ``canvas``, lay every layer over it, reduce it back in place."""
    s = SUPERSAMPLE
    x0, y0, x1, y1 = region
    ox, oy = x0 * s, y0 * s
    # NEAREST copies each pixel into an s x s block and reduce() averages the block back,
    # so the base is kept exactly where no layer draws.
    part = canvas.crop(region).resize(((x1 - x0) * s, (y1 - y0) * s), Image.Resampling.NEAREST)
    for layer in layers:
        lx0, ly0, lx1, ly1 = layer.box
        ix0, iy0, ix1, iy1 = max(lx0, ox), max(ly0, oy), min(lx1, x1 * s), min(ly1, y1 * s)
        if ix0 >= ix1 or iy0 >= iy1:
            continue
        if layer.image is None:                  # a paint layer lies wholly inside its region
            layer.paint(ImageDraw.Draw(part), (ox, oy))
            continue
        piece = layer.image
        if (ix0, iy0, ix1, iy1) != layer.box:
            piece = piece.crop((ix0 - lx0, iy0 - ly0, ix1 - lx0, iy1 - ly0))
        # Pasting through the layer's own alpha is "over" onto an opaque canvas.
        part.paste(piece, (ix0 - ox, iy0 - oy), piece)
    canvas.paste(part.reduce(s), region[:2])


def _encode(image: Image.Image, jpeg: bool) -> tuple[bytes, str, str]:
    if jpeg:
        for quality in (90, 85, 80, 75, 70, 60):
            buf = io.BytesIO()
            image.save(buf, "JPEG", quality=quality, subsampling=0, optimize=True)
            if buf.tell() <= MAX_OUTPUT_BYTES:
                break
        return buf.getvalue(), "image/jpeg", "jpg"
    # Flat art survives a 256-colour palette without visible change, at a quarter of the
    # bytes (optimize=True took 0.7 s per figure for 1% fewer bytes).
    return palette_png(image), "image/png", "png"


def render_figure(fig: Figure, grid: bool = False, fonts: TextFonts | None = None,
                  taps: bool = False) -> RenderedImage:
    """Composite ``fig`` into one raster (PNG, or JPEG for a JPEG base); ``grid`` adds a 0..1 grid,
    ``taps`` the tap targets at their size on an 820 px page.

    ``fonts`` draws the legend in the booklet's language (default: Lato, then nothing else).
    """
    base = open_base(fig)
    out_w, out_h = output_size(base.size)
    canvas = base.copy() if base.size == (out_w, out_h) else base.resize((out_w, out_h), Image.Resampling.LANCZOS)
    big = (out_w * SUPERSAMPLE, out_h * SUPERSAMPLE)
    unit = max(big) / TARGET_LONG_SIDE          # 1 unit = 1 px of a 2048 px output
    layers = (zone_layers(fig, big, unit) + callout_layers(fig, big, unit)
              + marker_layers(fig, big, unit) + legend_layers(fig, big, unit, fonts))
    cells = [(layer, _cells(layer)) for layer in layers]
    for region in _regions([cell for _, found in cells for cell in found], SUPERSAMPLE):
        _finish_region(canvas, region, [layer for layer, found in cells if _meets(found, region)])
    if grid:
        canvas = draw_grid(canvas)
    if taps:
        canvas = draw_taps(canvas, fig)
    data, media_type, ext = _encode(canvas, jpeg=fig.base_format == "JPEG")
    return RenderedImage(data=data, media_type=media_type, ext=ext, width=out_w, height=out_h)

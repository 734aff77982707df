"""Composite a figure: base drawing + referral zones + trigger point markers + callout
leader lines + legend, as one deterministic sRGB raster.

Callout *text* is not drawn here: it goes into the XHTML as live SVG text (see
:mod:`booklet.figures.markup`) so it stays sharp, selectable and translatable.
The legend text is drawn into the raster with Lato from ``templates/fonts/``,
never a system font, so the image bytes are the same on every machine.
"""
from __future__ import annotations

import hashlib
import io
import math
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from PIL import Image, ImageDraw, ImageFont, ImageOps

from booklet.errors import ContentError, EnvironmentProblem
from booklet.figures.imaging import palette_png
from booklet.limits import MAX_IMAGE_BYTES, MAX_PIXELS

from .load import MAX_BASE_PIXELS
from .model import Callout, Figure, RenderedImage

#: The output's long side, in pixels (unless that would exceed MAX_OUTPUT_PIXELS).
TARGET_LONG_SIDE = 2048
#: The output never has more pixels than this.
MAX_OUTPUT_PIXELS = MAX_PIXELS
#: Each output file is kept at or under this many bytes.
MAX_OUTPUT_BYTES = MAX_IMAGE_BYTES
#: Overlays are drawn at this multiple of the output size, then downsampled (antialiasing).
SUPERSAMPLE = 2

ZONE_RED = (200, 30, 30)
ESSENTIAL_ALPHA = 178                 # ~70 % opacity
ESSENTIAL_EDGE = (160, 20, 20, 230)
SPILLOVER_EDGE = (200, 30, 30, 110)
MARKER_INK = (15, 15, 15)
HALO = (255, 255, 255)
LEADER_INK = (45, 45, 45)
LEGEND_TEXT = (30, 30, 30)


def font_path(name: str) -> Path:
    """The path of a font shipped with booklet, e.g. ``font_path("Lato-Regular.ttf")``.

    Looks in ``templates/fonts/`` beside the ``booklet`` package (a source checkout),
    then in ``booklet/templates/fonts/`` (a packaged copy).
    """
    import booklet

    package = (Path(booklet.__file__).parent if getattr(booklet, "__file__", None)
               else Path(__file__).resolve().parent.parent)
    candidates = [package.parent / "templates" / "fonts" / name,
                  package / "templates" / "fonts" / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise EnvironmentProblem(f"font {name} not found",
                             path=candidates[0],
                             hint="booklet ships it in templates/fonts/; reinstall booklet")


@lru_cache(maxsize=16)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: the same glyph placement whether or not libraqm is installed.
    return ImageFont.truetype(str(font_path(name)), size, layout_engine=ImageFont.Layout.BASIC)


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


# --------------------------------------------------------------------------------------
# Geometry helpers (also used by the markup for tap target placement)
# --------------------------------------------------------------------------------------


def point_in_polygon(x: float, y: float, points) -> bool:
    inside = False
    n = len(points)
    for i in range(n):
        x1, y1 = points[i]
        x2, y2 = points[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < cross:
                inside = not inside
    return inside


def _edge_distance(x: float, y: float, points) -> float:
    best = math.inf
    n = len(points)
    for i in range(n):
        x1, y1 = points[i]
        x2, y2 = points[(i + 1) % n]
        dx, dy = x2 - x1, y2 - y1
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / length2))
        best = min(best, math.hypot(x - (x1 + t * dx), y - (y1 + t * dy)))
    return best


def _grid_search(pts, x0: float, x1: float, y0: float, y1: float, steps: int):
    """Return the grid point inside *pts* farthest from its edges, and that distance."""
    best, best_d = None, -1.0
    for i in range(steps + 1):
        x = x0 + (x1 - x0) * (i + 0.5) / (steps + 1)
        for j in range(steps + 1):
            y = y0 + (y1 - y0) * (j + 0.5) / (steps + 1)
            if point_in_polygon(x, y, pts):
                d = _edge_distance(x, y, pts)
                if d > best_d:
                    best, best_d = (x, y), d
    return best, best_d


def interior_point(points, aspect: float = 1.0) -> tuple[float, float]:
    """A point inside the polygon, well away from its edges, in the polygon's units.

    The area centroid when it lies comfortably inside; otherwise the grid point
    farthest from every edge.  ``aspect`` is width / height of the image, so that
    distances are measured in pixels, not in fractions.
    """
    # Remembered: an overview figure repeats the zones of the single trigger point figures.
    return _interior_point(tuple((float(x), float(y)) for x, y in points), aspect)


@lru_cache(maxsize=256)
def _interior_point(points: tuple, aspect: float) -> tuple[float, float]:
    pts = [(x * aspect, y) for x, y in points]
    area = cx = cy = 0.0
    for i in range(len(pts)):
        x1, y1 = pts[i]
        x2, y2 = pts[(i + 1) % len(pts)]
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(area) > 1e-12:
        cx, cy = cx / (3 * area), cy / (3 * area)
    else:
        cx = sum(p[0] for p in pts) / len(pts)
        cy = sum(p[1] for p in pts) / len(pts)
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    # Coarse grid first, then a fine grid around its best cell: the same answer as one
    # 48x48 grid to within a cell, at a quarter of the point tests.
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    best, best_d = _grid_search(pts, x0, x1, y0, y1, 16)
    if best is not None:
        cw, ch = (x1 - x0) / 17, (y1 - y0) / 17
        fine, fine_d = _grid_search(pts, best[0] - cw, best[0] + cw, best[1] - ch, best[1] + ch, 8)
        if fine is not None and fine_d > best_d:
            best, best_d = fine, fine_d
    if point_in_polygon(cx, cy, pts) and (best is None or _edge_distance(cx, cy, pts) >= 0.5 * best_d):
        chosen = (cx, cy)
    elif best is not None:
        chosen = best
    else:                                  # degenerate (zero-area) polygon
        chosen = (cx, cy)
    return (chosen[0] / aspect, chosen[1])


def callout_geometry(c: Callout, width: float, height: float) -> dict:
    """Where a callout's line ends and its text goes, in pixels of a width x height image.

    Shared by the raster (leader line) and the markup (SVG text) so they agree.
    Returns ``anchor`` ("start" | "middle" | "end"), ``text_x``, ``text_y`` (the
    centre line of the text block), ``line_end`` and ``has_leader``.
    """
    ax, ay = c.at[0] * width, c.at[1] * height
    lx, ly = c.label_at[0] * width, c.label_at[1] * height
    dx, dy = lx - ax, ly - ay
    length = math.hypot(dx, dy)
    has_leader = length > 1e-6 * max(width, height)
    anchor = c.align
    if anchor == "auto":
        if not has_leader or abs(dx) < 0.35 * abs(dy):
            anchor = "middle"
        else:
            anchor = "start" if dx > 0 else "end"
    unit = max(width, height) / TARGET_LONG_SIDE
    gap = 8 * unit
    if has_leader:
        line_end = (lx - dx / length * gap, ly - dy / length * gap)
    else:
        line_end = (lx, ly)
    font_size = label_font_size(width, height)
    text_x, text_y = lx, ly
    if anchor == "start":
        text_x += 0.2 * font_size
    elif anchor == "end":
        text_x -= 0.2 * font_size
    elif has_leader:                      # a vertical leader: text above or below its end
        lines = c.text.count("\n") + 1
        half = 0.6 * font_size * lines
        text_y += -half if dy < 0 else half
    return {"anchor": anchor, "text_x": text_x, "text_y": text_y,
            "line_end": line_end, "has_leader": has_leader, "font_size": font_size}


def label_font_size(width: float, height: float) -> int:
    """Callout text size in the SVG overlay's user units (= image pixels)."""
    return max(10, round(max(width, height) * 0.021))


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def _open_base(fig: Figure) -> Image.Image:
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
                return _to_srgb(im)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ContentError(f"base image is over the {MAX_BASE_PIXELS:,} px limit",
                           path=path, hint="scale it down") from None
    except OSError as exc:
        raise ContentError(f"base image cannot be decoded: {exc}", path=path) from None


def _to_srgb(im: Image.Image) -> Image.Image:
    """RGB in sRGB, any transparency flattened onto white."""
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "RGBA", "CMYK"):
        try:
            from PIL import ImageCms
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            out_mode = "RGBA" if im.mode == "RGBA" else "RGB"
            im = ImageCms.profileToProfile(im, src, dst, outputMode=out_mode)
        except Exception:              # a broken profile: use the numbers as they are
            pass
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im)
    return im.convert("RGB")


def _px(point, size) -> tuple[float, float]:
    return (point[0] * size[0], point[1] * size[1])


# Overlays are drawn at SUPERSAMPLE x, but only where they are: each layer into an image
# the size of its own bounding box, and only the parts of the base under some layer are
# enlarged, composited and reduced again (a whole 2x canvas cost 0.2 s a figure, mostly
# filling and converting 50 MB buffers).  The pixels are the same as a whole-canvas pass.
#
# Pillow rounds a coordinate half away from zero, so shifting a shape across 0 can move an
# edge by a pixel; every box below is grown to hold all it draws, which keeps the shifted
# coordinates of a layer at or above 0 and the result independent of where layers lie.

Box = tuple[int, int, int, int]


@dataclass
class _Layer:
    """One overlay at SUPERSAMPLE x: an RGBA image covering ``box`` (canvas pixels) to be
    alpha-composited, or ``paint``, which draws opaque ink straight onto the canvas given
    the canvas part's top-left corner (the legend's swatches and text)."""

    box: Box
    image: Image.Image | None = None
    paint: Callable[[ImageDraw.ImageDraw, tuple[int, int]], None] | None = None


def _bounds(points) -> tuple[float, float, float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _box(bounds, size, pad: float) -> Box | None:
    """Whole pixels around float ``bounds``, grown by ``pad``, clipped to ``size``; None if empty."""
    box = (max(0, math.floor(bounds[0] - pad)), max(0, math.floor(bounds[1] - pad)),
           min(size[0], math.ceil(bounds[2] + pad)), min(size[1], math.ceil(bounds[3] + pad)))
    return box if box[0] < box[2] and box[1] < box[3] else None


def _shift(points, origin) -> list[tuple[float, float]]:
    ox, oy = origin
    return [(x - ox, y - oy) for x, y in points]


def _new_layer(box: Box) -> tuple[_Layer, ImageDraw.ImageDraw]:
    layer = _Layer(box, Image.new("RGBA", (box[2] - box[0], box[3] - box[1]), (0, 0, 0, 0)))
    return layer, ImageDraw.Draw(layer.image)


def _thick_line(draw: ImageDraw.ImageDraw, a, b, width: float, fill) -> None:
    """A line with round caps."""
    draw.line([a, b], fill=fill, width=max(1, round(width)))
    r = width / 2
    for x, y in (a, b):
        draw.ellipse([x - r, y - r, x + r, y + r], fill=fill)


def _zone_layers(fig: Figure, size, unit: float) -> list[_Layer]:
    essential = [[_px(p, size) for p in z.points] for z in fig.zones if z.kind == "essential"]
    spillover = [[_px(p, size) for p in z.points] for z in fig.zones if z.kind == "spillover"]
    # One mask box around every zone, so that no polygon lies left of or above it.
    mask_box = _box(_bounds([p for pts in essential + spillover for p in pts]), size, 2) if fig.zones else None
    if mask_box is None:
        return []
    origin = mask_box[:2]
    mask_size = (mask_box[2] - mask_box[0], mask_box[3] - mask_box[1])
    ess_mask = Image.new("L", mask_size, 0)
    mdraw = ImageDraw.Draw(ess_mask)
    for pts in essential:
        mdraw.polygon(_shift(pts, origin), fill=255)
    layers = []
    if spillover:
        spill_mask = Image.new("L", mask_size, 0)
        sdraw = ImageDraw.Draw(spill_mask)
        for pts in spillover:
            sdraw.polygon(_shift(pts, origin), fill=255)
        layers += _spillover_layer(spillover, spill_mask, ess_mask, origin, size, unit)
    if essential:
        layers += _essential_layers(essential, size, unit)
    return layers


def _stipple(spill_mask: Image.Image, ess_mask: Image.Image, origin, size, unit: float) -> list[tuple[float, float]]:
    """Dot centres: a staggered grid fixed to the image (so neighbouring zones line up),
    kept where the spillover mask is set and no essential zone covers it."""
    local = spill_mask.getbbox()
    if not local:
        return []
    ox, oy = origin
    bbox = (local[0] + ox, local[1] + oy, local[2] + ox, local[3] + oy)
    spacing = 20 * unit
    spill, ess = spill_mask.load(), ess_mask.load()
    mw, mh = spill_mask.size
    dots = []
    row = int(bbox[1] // (spacing * 0.866))
    while row * spacing * 0.866 <= bbox[3]:
        y = (row + 0.5) * spacing * 0.866
        offset = spacing / 2 if row % 2 else 0.0
        col = int(bbox[0] // spacing)
        while col * spacing <= bbox[2]:
            x = col * spacing + offset + spacing / 4
            xi, yi = int(x), int(y)
            mx, my = xi - ox, yi - oy
            if (0 <= xi < size[0] and 0 <= yi < size[1] and 0 <= mx < mw and 0 <= my < mh
                    and spill[mx, my] and not ess[mx, my]):
                dots.append((x, y))
            col += 1
        row += 1
    return dots


def _spillover_layer(polygons, spill_mask, ess_mask, origin, size, unit: float) -> list[_Layer]:
    """One layer per spillover zone: zones lie apart, and one layer around them all was most
    of a figure's compositing.  Every zone's layer gets the stipple dots centred within its
    bounds (a dot shared by two zones is drawn the same in both)."""
    width = max(1, round(2 * unit))
    radius = 4.2 * unit
    dots = _stipple(spill_mask, ess_mask, origin, size, unit)
    layers = []
    for pts in polygons:
        bounds = _bounds(pts)
        box = _box(bounds, size, max(width, radius) + 3)
        if box is None:
            continue
        layer, draw = _new_layer(box)
        shifted = _shift(pts, box[:2])
        draw.line(shifted + [shifted[0]], fill=SPILLOVER_EDGE, width=width, joint="curve")
        for x, y in dots:
            if bounds[0] - 2 <= x <= bounds[2] + 2 and bounds[1] - 2 <= y <= bounds[3] + 2:
                x, y = x - box[0], y - box[1]
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=ZONE_RED + (255,))
        layers.append(layer)
    return layers


def _essential_layers(polygons, size, unit: float) -> list[_Layer]:
    """The zones' fill (one layer, so overlapping zones are not darker), then their edges."""
    width = max(1, round(2.5 * unit))
    box = _box(_bounds([p for pts in polygons for p in pts]), size, width + 3)
    if box is None:
        return []
    fill, draw = _new_layer(box)
    for pts in polygons:
        draw.polygon(_shift(pts, box[:2]), fill=ZONE_RED + (ESSENTIAL_ALPHA,))
    edges, draw = _new_layer(box)
    for pts in polygons:
        pts = _shift(pts, box[:2])
        draw.line(pts + [pts[0]], fill=ESSENTIAL_EDGE, width=width, joint="curve")
    return [fill, edges]


def _callout_layers(fig: Figure, size, unit: float) -> list[_Layer]:
    geos = [(_px(c.at, size), callout_geometry(c, *size)) for c in fig.callouts]
    leaders = [(a, geo["line_end"]) for a, geo in geos if geo["has_leader"]]
    if not leaders:
        return []
    box = _box(_bounds([p for pair in leaders for p in pair]), size, 8.5 * unit + 3)
    if box is None:
        return []
    layer, draw = _new_layer(box)
    leaders = [_shift(pair, box[:2]) for pair in leaders]
    for a, end in leaders:                       # white halos first, under every line
        _thick_line(draw, a, end, 7 * unit, HALO + (220,))
        r = 8.5 * unit
        draw.ellipse([a[0] - r, a[1] - r, a[0] + r, a[1] + r], fill=HALO + (235,))
    for a, end in leaders:
        _thick_line(draw, a, end, 3 * unit, LEADER_INK + (255,))
        r = 5.5 * unit
        draw.ellipse([a[0] - r, a[1] - r, a[0] + r, a[1] + r], fill=LEADER_INK + (255,))
    return [layer]


def _draw_x(draw: ImageDraw.ImageDraw, x: float, y: float, arm: float, width: float, fill) -> None:
    d = arm / math.sqrt(2)
    _thick_line(draw, (x - d, y - d), (x + d, y + d), width, fill)
    _thick_line(draw, (x - d, y + d), (x + d, y - d), width, fill)


def _marker_layers(fig: Figure, size, unit: float) -> list[_Layer]:
    if not fig.markers:
        return []
    arm, width = 24 * unit, 10 * unit
    points = [_px((m.x, m.y), size) for m in fig.markers]
    box = _box(_bounds(points), size, (arm + 3 * unit) / math.sqrt(2) + (width + 8 * unit) / 2 + 3)
    if box is None:
        return []
    layer, draw = _new_layer(box)
    points = _shift(points, box[:2])
    for x, y in points:                          # white outline first, under every X
        _draw_x(draw, x, y, arm + 3 * unit, width + 8 * unit, HALO + (255,))
    for x, y in points:
        _draw_x(draw, x, y, arm, width, MARKER_INK + (255,))
    return [layer]


def _legend_layers(fig: Figure, size, unit: float) -> list[_Layer]:
    legend = fig.legend
    entries = []
    if any(z.kind == "essential" for z in fig.zones):
        entries.append(("essential", legend.essential))
    if any(z.kind == "spillover" for z in fig.zones):
        entries.append(("spillover", legend.spillover))
    if fig.markers:
        entries.append(("marker", legend.marker))
    if legend.position == "none" or not entries:
        return []
    font = _font("Lato-Regular.ttf", max(8, round(34 * unit)))
    pad, swatch_w, swatch_h, row, gap = 18 * unit, 56 * unit, 34 * unit, 52 * unit, 16 * unit
    text_w = max(font.getlength(text) for _, text in entries)
    box_w = pad * 2 + swatch_w + gap + text_w
    box_h = pad * 2 + row * len(entries) - (row - swatch_h) + 4 * unit
    margin = 24 * unit
    w, h = size
    left = margin if "left" in legend.position else w - margin - box_w
    top = margin if "top" in legend.position else h - margin - box_h
    outline = max(1, round(2 * unit))
    box = _box((left, top, left + box_w, top + box_h), size, outline + 3)
    if box is None:
        return []
    panel, draw = _new_layer(box)
    x0, y0 = left - box[0], top - box[1]
    draw.rounded_rectangle([x0, y0, x0 + box_w, y0 + box_h], radius=14 * unit,
                           fill=(255, 255, 255, 235), outline=(150, 150, 150, 255), width=outline)

    def paint(draw: ImageDraw.ImageDraw, origin) -> None:
        ox, oy = origin
        for i, (kind, text) in enumerate(entries):
            sx = left + pad - ox
            sy = top + pad + 2 * unit + i * row - oy
            cy = sy + swatch_h / 2
            if kind == "essential":
                draw.rectangle([sx, sy, sx + swatch_w, sy + swatch_h],
                               fill=(217, 98, 98), outline=ESSENTIAL_EDGE[:3],
                               width=max(1, round(2.5 * unit)))
            elif kind == "spillover":
                draw.rectangle([sx, sy, sx + swatch_w, sy + swatch_h], fill=(255, 255, 255),
                               outline=SPILLOVER_EDGE[:3] + (255,), width=max(1, round(2 * unit)))
                r = 4.2 * unit
                for j in range(3):
                    for k in range(2):
                        px = sx + swatch_w * (0.2 + 0.3 * j) + (0.15 * swatch_w if k else 0)
                        py = sy + swatch_h * (0.3 + 0.4 * k)
                        if px + r < sx + swatch_w:
                            draw.ellipse([px - r, py - r, px + r, py + r], fill=ZONE_RED)
            else:
                _draw_x(draw, sx + swatch_w / 2, cy, 17 * unit, 7 * unit, MARKER_INK)
            draw.text((sx + swatch_w + gap, cy), text, font=font, fill=LEGEND_TEXT, anchor="lm")

    return [panel, _Layer(box, paint=paint)]


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


def _finish_region(canvas: Image.Image, region: Box, layers: list[_Layer]) -> None:
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


def render_figure(fig: Figure) -> RenderedImage:
    """Composite ``fig`` into one raster (PNG, or JPEG for a JPEG base)."""
    base = _open_base(fig)
    out_w, out_h = output_size(base.size)
    canvas = base.copy() if base.size == (out_w, out_h) else base.resize((out_w, out_h), Image.Resampling.LANCZOS)
    big = (out_w * SUPERSAMPLE, out_h * SUPERSAMPLE)
    unit = max(big) / TARGET_LONG_SIDE          # 1 unit = 1 px of a 2048 px output
    layers = (_zone_layers(fig, big, unit) + _callout_layers(fig, big, unit)
              + _marker_layers(fig, big, unit) + _legend_layers(fig, big, unit))
    for region in _regions([layer.box for layer in layers], SUPERSAMPLE):
        _finish_region(canvas, region, layers)
    data, media_type, ext = _encode(canvas, jpeg=fig.base_format == "JPEG")
    return RenderedImage(data=data, media_type=media_type, ext=ext, width=out_w, height=out_h)

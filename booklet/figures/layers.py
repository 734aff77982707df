"""The overlays of a figure, each drawn at SUPERSAMPLE x into a layer the size of its own box.

Zones (essential: a solid tint; spillover: a stipple), callout leader lines and markers
(a bold X, or a numbered disc).  A zone takes the ``color`` of its marker, red otherwise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from PIL import Image, ImageDraw

from .fonts import shipped_font
from .geometry import callout_geometry, point_in_polygon
from .model import Figure

ZONE_RED = (200, 30, 30)
ESSENTIAL_ALPHA = 178                 # ~70 % opacity
ESSENTIAL_EDGE = (160, 20, 20, 230)
SPILLOVER_EDGE = (200, 30, 30, 110)
MARKER_INK = (15, 15, 15)
HALO = (255, 255, 255)
LEADER_INK = (45, 45, 45)
Colour = tuple[int, int, int]


def edge_colour(colour: Colour | None, kind: str) -> tuple[int, int, int, int]:
    """The outline of an essential or spillover zone of ``colour`` (None = the default red)."""
    if colour is None:
        return ESSENTIAL_EDGE if kind == "essential" else SPILLOVER_EDGE
    if kind == "essential":
        return tuple(round(c * 0.8) for c in colour) + (230,)
    return colour + (110,)


def zone_colours(fig: Figure) -> dict[str, Colour]:
    """The hue of each zone that has one: its marker's ``color``."""
    hues = {m.id: m.color for m in fig.markers if m.color}
    return {z.id: hues[z.for_] for z in fig.zones if z.for_ in hues}


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
class Layer:
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


def _new_layer(box: Box) -> tuple[Layer, ImageDraw.ImageDraw]:
    layer = Layer(box, Image.new("RGBA", (box[2] - box[0], box[3] - box[1]), (0, 0, 0, 0)))
    return layer, ImageDraw.Draw(layer.image)


def _thick_line(draw: ImageDraw.ImageDraw, a, b, width: float, fill) -> None:
    """A line with round caps."""
    draw.line([a, b], fill=fill, width=max(1, round(width)))
    r = width / 2
    for x, y in (a, b):
        draw.ellipse([x - r, y - r, x + r, y + r], fill=fill)


def zone_layers(fig: Figure, size, unit: float) -> list[Layer]:
    hues = zone_colours(fig)
    essential = [([_px(p, size) for p in z.outline], hues.get(z.id)) for z in fig.zones if z.kind == "essential"]
    spillover = [([_px(p, size) for p in z.outline], hues.get(z.id)) for z in fig.zones if z.kind == "spillover"]
    if not fig.zones:
        return []
    # One mask box around every zone, so that no polygon lies left of or above it.
    mask_box = _box(_bounds([p for pts, _ in essential + spillover for p in pts]), size, 2)
    if mask_box is None:
        return []
    origin = mask_box[:2]
    mask_size = (mask_box[2] - mask_box[0], mask_box[3] - mask_box[1])
    ess_mask = _mask(mask_size, [pts for pts, _ in essential], origin)
    layers = []
    if spillover:
        spill_mask = _mask(mask_size, [pts for pts, _ in spillover], origin)
        layers += _spillover_layers(spillover, spill_mask, ess_mask, origin, size, unit)
    if essential:
        layers += _essential_layers(essential, size, unit)
    return layers


def _mask(mask_size, polygons, origin) -> Image.Image:
    mask = Image.new("L", mask_size, 0)
    draw = ImageDraw.Draw(mask)
    for pts in polygons:
        draw.polygon(_shift(pts, origin), fill=255)
    return mask


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


def _spillover_layers(zones, spill_mask, ess_mask, origin, size, unit: float) -> list[Layer]:
    """One layer per spillover zone: zones lie apart, and one layer around them all was most
    of a figure's compositing.  Every zone's layer gets the stipple dots centred within its
    bounds (a dot shared by two zones is drawn the same in both); a zone with a hue of its
    own takes only the dots inside it, so two hues never trade dots."""
    width = max(1, round(2 * unit))
    radius = 4.2 * unit
    dots = _stipple(spill_mask, ess_mask, origin, size, unit)
    layers = []
    for pts, colour in zones:
        bounds = _bounds(pts)
        box = _box(bounds, size, max(width, radius) + 3)
        if box is None:
            continue
        layer, draw = _new_layer(box)
        shifted = _shift(pts, box[:2])
        draw.line(shifted + [shifted[0]], fill=edge_colour(colour, "spillover"), width=width, joint="curve")
        for x, y in dots:
            if not (bounds[0] - 2 <= x <= bounds[2] + 2 and bounds[1] - 2 <= y <= bounds[3] + 2):
                continue
            if colour is not None and not point_in_polygon(x, y, pts):
                continue
            x, y = x - box[0], y - box[1]
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=(colour or ZONE_RED) + (255,))
        layers.append(layer)
    return layers


def _essential_layers(zones, size, unit: float) -> list[Layer]:
    """The zones' fill (one layer, so overlapping zones are not darker), then their edges."""
    width = max(1, round(2.5 * unit))
    box = _box(_bounds([p for pts, _ in zones for p in pts]), size, width + 3)
    if box is None:
        return []
    fill, draw = _new_layer(box)
    for pts, colour in zones:
        draw.polygon(_shift(pts, box[:2]), fill=(colour or ZONE_RED) + (ESSENTIAL_ALPHA,))
    edges, draw = _new_layer(box)
    for pts, colour in zones:
        pts = _shift(pts, box[:2])
        draw.line(pts + [pts[0]], fill=edge_colour(colour, "essential"), width=width, joint="curve")
    return [fill, edges]


def callout_layers(fig: Figure, size, unit: float) -> list[Layer]:
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


def draw_number(draw: ImageDraw.ImageDraw, x: float, y: float, unit: float, number: int,
                colour: Colour | None) -> None:
    """A numbered trigger point: a dark disc ringed in its hue, the numeral in white.

    Sized to read at an 820 px page: the numeral is 40 px of a 2048 px figure, 16 px there.
    """
    r = 30 * unit
    ring = 7 * unit
    halo = r + ring + 4 * unit
    draw.ellipse([x - halo, y - halo, x + halo, y + halo], fill=HALO + (255,))
    outer = r + ring
    draw.ellipse([x - outer, y - outer, x + outer, y + outer], fill=(colour or MARKER_INK) + (255,))
    draw.ellipse([x - r, y - r, x + r, y + r], fill=MARKER_INK + (255,))
    font = shipped_font("Lato-Bold.ttf", max(6, round(40 * unit)))
    draw.text((x, y), str(number), font=font, fill=HALO + (255,), anchor="mm")


def marker_layers(fig: Figure, size, unit: float) -> list[Layer]:
    if not fig.markers:
        return []
    arm, width = 24 * unit, 10 * unit
    points = [_px((m.x, m.y), size) for m in fig.markers]
    reach = (arm + 3 * unit) / math.sqrt(2) + (width + 8 * unit) / 2
    if any(m.number is not None for m in fig.markers):
        reach = max(reach, 41 * unit)
    box = _box(_bounds(points), size, reach + 3)
    if box is None:
        return []
    layer, draw = _new_layer(box)
    points = _shift(points, box[:2])
    plain = [(p, m) for p, m in zip(points, fig.markers) if m.number is None]
    for (x, y), _ in plain:                      # white outline first, under every X
        _draw_x(draw, x, y, arm + 3 * unit, width + 8 * unit, HALO + (255,))
    for (x, y), m in plain:
        _draw_x(draw, x, y, arm, width, MARKER_INK + (255,))
    for (x, y), m in zip(points, fig.markers):
        if m.number is not None:
            draw_number(draw, x, y, unit, m.number, m.color)
    return [layer]

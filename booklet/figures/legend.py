"""The legend drawn into a figure's raster: what each mark means, in the chosen corner.

One line per kind of zone and for plain trigger points, and one line per numbered or
coloured point (its hue, its number, its label), so an overview figure says which
zones belong to which point without a tap.
"""
from __future__ import annotations

from dataclasses import dataclass

from PIL import ImageDraw

from booklet.errors import ContentError

from .fonts import TextFonts, draw_runs, font_path
from .layers import (
    MARKER_INK,
    ZONE_RED,
    Layer,
    _box,
    _draw_x,
    _new_layer,
    draw_number,
    edge_colour,
    zone_colours,
)
from .model import Figure, Marker

LEGEND_TEXT = (30, 30, 30)
NEUTRAL = (110, 110, 110)             # kind swatches when every zone of the kind has a hue


@dataclass(frozen=True)
class LegendBox:
    """The legend's panel, in pixels of the size it was laid out for, and its lines."""

    left: float
    top: float
    width: float
    height: float
    entries: tuple                    # (kind, text, marker or None, swatch colour or None)
    fonts: tuple                      # each entry's text as runs of (text, font)


def legend_entries(fig: Figure) -> list[tuple]:
    """The legend's lines: (kind, text, marker, colour), only for what the figure has."""
    legend, hues = fig.legend, zone_colours(fig)
    entries = []
    for kind in ("essential", "spillover"):
        zones = [z for z in fig.zones if z.kind == kind]
        if zones:
            plain = any(z.id not in hues for z in zones)
            entries.append((kind, getattr(legend, kind), None, ZONE_RED if plain else NEUTRAL))
    if any(m.number is None and m.color is None for m in fig.markers):
        entries.append(("marker", legend.marker, None, None))
    for m in fig.markers:
        if m.number is not None or m.color is not None:
            entries.append(("point", m.label, m, m.color))
    return entries


def legend_box(fig: Figure, size, unit: float, fonts: TextFonts | None = None) -> LegendBox | None:
    """Where the legend goes in an image of ``size`` px (None: no legend)."""
    entries = legend_entries(fig)
    if fig.legend.position == "none" or not entries:
        return None
    drawn = tuple(_entry_font(fig, fonts or TextFonts(), entry, max(8, round(34 * unit))) for entry in entries)
    pad, swatch_w, row, gap = 18 * unit, 56 * unit, 52 * unit, 16 * unit
    text_w = max(sum(font.getlength(part) for part, font in runs) for runs in drawn)
    box_w = pad * 2 + swatch_w + gap + text_w
    box_h = pad * 2 + row * len(entries) - (row - 34 * unit) + 4 * unit
    margin = 24 * unit
    w, h = size
    left = margin if "left" in fig.legend.position else w - margin - box_w
    top = margin if "top" in fig.legend.position else h - margin - box_h
    return LegendBox(left, top, box_w, box_h, tuple(entries), drawn)


def _entry_font(fig: Figure, fonts: TextFonts, entry, size: int):
    """One legend line as runs of (text, font) in the booklet's language; an error names its characters."""
    try:
        return tuple(fonts.fonts(entry[1], size, font_path("Lato-Regular.ttf")))
    except ContentError as exc:
        exc.path = fig.path
        exc.line = entry[2].line if entry[2] is not None else None
        raise


def legend_layers(fig: Figure, size, unit: float, fonts: TextFonts | None = None) -> list[Layer]:
    spec = legend_box(fig, size, unit, fonts)
    if spec is None:
        return []
    left, top, box_w, box_h = spec.left, spec.top, spec.width, spec.height
    outline = max(1, round(2 * unit))
    box = _box((left, top, left + box_w, top + box_h), size, outline + 3)
    if box is None:
        return []
    panel, draw = _new_layer(box)
    x0, y0 = left - box[0], top - box[1]
    draw.rounded_rectangle([x0, y0, x0 + box_w, y0 + box_h], radius=14 * unit,
                           fill=(255, 255, 255, 235), outline=(150, 150, 150, 255), width=outline)
    pad, swatch_w, swatch_h, row, gap = 18 * unit, 56 * unit, 34 * unit, 52 * unit, 16 * unit

    def paint(draw: ImageDraw.ImageDraw, origin) -> None:
        ox, oy = origin
        for i, ((kind, text, marker, colour), runs) in enumerate(zip(spec.entries, spec.fonts)):
            sx = left + pad - ox
            sy = top + pad + 2 * unit + i * row - oy
            _swatch(draw, (sx, sy, sx + swatch_w, sy + swatch_h), unit, kind, marker, colour)
            draw_runs(draw, (sx + swatch_w + gap, sy + swatch_h / 2), runs, LEGEND_TEXT)

    return [panel, Layer(box, paint=paint)]


def _swatch(draw: ImageDraw.ImageDraw, rect, unit: float, kind: str, marker: Marker | None,
            colour) -> None:
    """The sample of one legend line, drawn in the box ``rect``."""
    sx, sy, ex, ey = rect
    cx, cy = (sx + ex) / 2, (sy + ey) / 2
    if kind == "essential":
        tint = (217, 98, 98) if colour == ZONE_RED else tuple(round(255 + 0.7 * (c - 255)) for c in colour)
        draw.rectangle(rect, fill=tint, outline=edge_colour(None if colour == ZONE_RED else colour,
                                                             "essential")[:3],
                       width=max(1, round(2.5 * unit)))
    elif kind == "spillover":
        draw.rectangle(rect, fill=(255, 255, 255), outline=edge_colour(colour, "spillover")[:3] + (255,),
                       width=max(1, round(2 * unit)))
        _dots(draw, rect, unit, colour)
    elif kind == "marker":
        _draw_x(draw, cx, cy, 17 * unit, 7 * unit, MARKER_INK)
    else:                                         # one numbered or coloured point
        if colour is not None:
            tint = tuple(round(255 + 0.7 * (c - 255)) for c in colour)
            draw.rectangle(rect, fill=tint, outline=tuple(round(c * 0.8) for c in colour),
                           width=max(1, round(2.5 * unit)))
        if marker is not None and marker.number is not None:
            draw_number(draw, cx, cy, unit * 0.6, marker.number, colour)
        else:
            _draw_x(draw, cx, cy, 17 * unit, 7 * unit, MARKER_INK)


def _dots(draw: ImageDraw.ImageDraw, rect, unit: float, colour) -> None:
    sx, sy, ex, ey = rect
    w, h = ex - sx, ey - sy
    r = 4.2 * unit
    for j in range(3):
        for k in range(2):
            px = sx + w * (0.2 + 0.3 * j) + (0.15 * w if k else 0)
            py = sy + h * (0.3 + 0.4 * k)
            if px + r < ex:
                draw.ellipse([px - r, py - r, px + r, py + r], fill=colour)

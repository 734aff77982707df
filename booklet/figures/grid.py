"""Authoring aids over a rendered figure: a 0..1 grid (`booklet figure --grid`) and the tap
targets at their real size (`--taps`)."""
from __future__ import annotations

from PIL import Image, ImageDraw

from .checks import PAGE_WIDTH, TAP_SIZE
from .fonts import shipped_font
from .geometry import TARGET_LONG_SIDE, interior_point
from .model import Figure

FINE, COARSE = 0.05, 0.1
GRID_INK = (20, 90, 200)
TAP_INK = (0, 150, 90)


def draw_grid(canvas: Image.Image) -> Image.Image:
    """``canvas`` with lines every 0.05 (faint) and 0.1 (stronger), labelled every 0.1.

    Drawn on the finished picture, not supersampled: a whole-picture layer at twice the
    size cost half a second, and a grid is an aid, not art.
    """
    w, h = canvas.size
    unit = max(w, h) / TARGET_LONG_SIDE
    overlay = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for i in [*range(1, 20, 2), *range(2, 20, 2)]:     # faint lines first: a crossing keeps the strong one
        coarse = i % 2 == 0
        fill = GRID_INK + ((150,) if coarse else (70,))
        width = max(1, round((2 if coarse else 1) * unit))
        draw.line([(i * FINE * w, 0), (i * FINE * w, h)], fill=fill, width=width)
        draw.line([(0, i * FINE * h), (w, i * FINE * h)], fill=fill, width=width)
    font = shipped_font("Lato-Bold.ttf", max(8, round(26 * unit)))
    for i in range(1, 10):
        text = f"{i * COARSE:.1f}"
        for xy, anchor in (((i * COARSE * w, 6 * unit), "mt"), ((6 * unit, i * COARSE * h), "lm")):
            draw.text(xy, text, font=font, fill=GRID_INK + (255,), anchor=anchor,
                      stroke_width=max(1, round(3 * unit)), stroke_fill=(255, 255, 255, 255))
    return Image.alpha_composite(canvas.convert("RGBA"), overlay).convert("RGB")


def draw_taps(canvas: Image.Image, fig: Figure, page_width: int = PAGE_WIDTH) -> Image.Image:
    """``canvas`` with each tap target drawn at its real size when the figure fills a page
    ``page_width`` CSS px wide: a ring of 44 CSS px round each marker and zone target."""
    w, h = canvas.size
    radius = TAP_SIZE / 2 * w / page_width
    overlay = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width = max(1, round(3 * max(w, h) / TARGET_LONG_SIDE))
    spots = [(m.x, m.y) for m in fig.markers]
    spots += [z.tap or interior_point(z.outline, w / h) for z in fig.zones]
    for x, y in spots:
        cx, cy = x * w, y * h
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius],
                     fill=TAP_INK + (40,), outline=TAP_INK + (220,), width=width)
    return Image.alpha_composite(canvas.convert("RGBA"), overlay).convert("RGB")

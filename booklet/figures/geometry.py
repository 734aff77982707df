"""Figure geometry shared by the raster and the markup: polygons, zone outlines, callouts.

Coordinates are fractions of the base image (0..1, origin top-left) unless a function
says it works in pixels.  Smooth zones (``smooth = true``) are closed Catmull-Rom curves
through their points, sampled into a polygon once here, so the raster fills and the tap
layer places targets on the very same outline.
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Callout

#: The output's long side, in pixels; sizes in the drawing are given in pixels of it.
TARGET_LONG_SIDE = 2048
#: Points sampled on each span of a smooth zone, between two of its written points.
SMOOTH_STEPS = 16

Point = tuple[float, float]


def zone_outline(points, smooth: bool = False) -> tuple[Point, ...]:
    """The polygon a zone is drawn as: its points, or a smooth closed curve through them."""
    points = tuple((float(x), float(y)) for x, y in points)
    return _catmull_rom(points) if smooth else points


@lru_cache(maxsize=256)
def _catmull_rom(points: tuple[Point, ...]) -> tuple[Point, ...]:
    """A closed uniform Catmull-Rom curve through every point, clamped to 0..1.

    Uniform, not centripetal: authors place a handful of points roughly evenly round a
    zone, and the uniform curve passes through each one with no tuning.
    """
    n = len(points)
    out: list[Point] = []
    for i in range(n):
        p0, p1, p2, p3 = points[i - 1], points[i], points[(i + 1) % n], points[(i + 2) % n]
        for step in range(SMOOTH_STEPS):
            t = step / SMOOTH_STEPS
            t2, t3 = t * t, t * t * t
            xy = []
            for k in (0, 1):
                value = 0.5 * (2 * p1[k] + (p2[k] - p0[k]) * t
                               + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                               + (3 * p1[k] - p0[k] - 3 * p2[k] + p3[k]) * t3)
                xy.append(min(1.0, max(0.0, value)))
            out.append((xy[0], xy[1]))
    return tuple(out)


def svg_path(points, width: float, height: float) -> str:
    """An SVG path ``d`` of a closed outline in a width x height user space (for tap layers)."""
    coords = [f"{x * width:.1f},{y * height:.1f}" for x, y in points]
    return "M" + " L".join(coords) + " Z"


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
    points = tuple((float(x), float(y)) for x, y in points)
    if len(points) > 2 * SMOOTH_STEPS:
        # A smooth outline: searched on every fourth point of it (a tenth of the time), and
        # the answer kept only if it lies inside the whole curve too.
        x, y = _interior_point(points[::4], aspect)
        if point_in_polygon(x, y, points):
            return x, y
    return _interior_point(points, aspect)


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

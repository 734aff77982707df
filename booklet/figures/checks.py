"""Checks of a whole figure that catch what authors get wrong, as warnings with a fix.

Each names the figure file and the line of the entry at fault (issue 19 item 4):
two markers whose tap targets overlap on a phone-sized page, a legend covering a marker
or a zone, a marker with no zone.
"""
from __future__ import annotations

import itertools
import math

from booklet.errors import ContentError, Problem

from .geometry import TARGET_LONG_SIDE, point_in_polygon
from .model import Figure, Zone

#: The page width tap targets are measured at (CSS px), and their size.
PAGE_WIDTH = 820
TAP_SIZE = 44


def figure_warnings(fig: Figure) -> list[str]:
    """Every warning of the whole figure, in file order."""
    found = _lonely_markers(fig) + _close_taps(fig) + _legend_cover(fig)
    return [str(p) for p in sorted(found, key=lambda p: p.line or 0)]


def _lonely_markers(fig: Figure) -> list[Problem]:
    owned = {z.for_ for z in fig.zones}
    return [Problem(f"marker {m.id!r} has no zone: no [[zone]] names it in 'for'", fig.path, m.line,
                    hint=f'add its pain zone with for = "{m.id}", or remove the marker')
            for m in fig.markers if m.id not in owned]


def _close_taps(fig: Figure) -> list[Problem]:
    """Two markers' 44 px tap targets overlap when the figure fills an 820 px page."""
    w, h = fig.base_size
    scale = (PAGE_WIDTH, PAGE_WIDTH * h / w)
    found = []
    for a, b in itertools.combinations(fig.markers, 2):
        apart = math.hypot((a.x - b.x) * scale[0], (a.y - b.y) * scale[1])
        if apart < TAP_SIZE:
            found.append(Problem(
                f"markers {a.id!r} and {b.id!r} are {apart:.0f} px apart on an {PAGE_WIDTH} px page, "
                f"so their {TAP_SIZE} px tap targets overlap", fig.path, b.line,
                hint=f"move them at least {TAP_SIZE / scale[0]:.3f} apart in x, "
                     "or show one of them on a figure of its own"))
    return found


def legend_rect(fig: Figure) -> tuple[float, float, float, float] | None:
    """The legend panel as fractions of the image (x0, y0, x1, y1), or None for no legend."""
    from .legend import legend_box
    from .render import output_size

    size = output_size(fig.base_size)
    try:
        box = legend_box(fig, size, max(size) / TARGET_LONG_SIDE)
    except ContentError:                  # text no font draws: the render reports it
        return None
    if box is None:
        return None
    return (box.left / size[0], box.top / size[1],
            (box.left + box.width) / size[0], (box.top + box.height) / size[1])


def _legend_cover(fig: Figure) -> list[Problem]:
    rect = legend_rect(fig)
    if rect is None:
        return []
    vertical, side = fig.legend.position.split("-")
    other = {"top": "bottom", "bottom": "top"}[vertical] + "-" + {"left": "right", "right": "left"}[side]
    fix = f'put it in another corner, e.g. legend = "{other}", or set legend = "none"'
    found = []
    for m in fig.markers:
        if rect[0] <= m.x <= rect[2] and rect[1] <= m.y <= rect[3]:
            found.append(Problem(f"the legend ({fig.legend.position}) covers marker {m.id!r}",
                                 fig.path, m.line, hint=fix))
    for z in fig.zones:
        if _overlaps(rect, z):
            found.append(Problem(f"the legend ({fig.legend.position}) covers part of zone {z.id!r}",
                                 fig.path, z.line, hint=fix))
    return found


def _overlaps(rect, zone: Zone) -> bool:
    """Does the rectangle share any area with the zone's outline?"""
    x0, y0, x1, y1 = rect
    outline = zone.outline
    if any(x0 < x < x1 and y0 < y < y1 for x, y in outline):
        return True
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    if any(point_in_polygon(x, y, outline) for x, y in corners):
        return True
    edges = list(zip(corners, corners[1:] + corners[:1]))
    n = len(outline)
    return any(_cross(outline[i], outline[(i + 1) % n], c, d) for i in range(n) for c, d in edges)


def _cross(a, b, c, d) -> bool:
    """Do the segments ab and cd properly cross?"""
    def side(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0

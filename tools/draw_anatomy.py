#!/usr/bin/env python3
"""Draw booklet's own schematic anatomy base images and plain illustrations.

    python tools/draw_anatomy.py            # writes every image under images/
    python tools/draw_anatomy.py --check    # exit 1 if a committed image differs

Everything is drawn with Pillow from the coordinates in this file: no randomness,
no fonts, no metadata, so every run writes the same bytes (for one Pillow version).
Shapes are drawn at SS x the output size and downsampled with LANCZOS, which
antialiases them.

Drawing units: x runs 0..100 across the image width, y runs 0..(100 * H / W) down
it, so one unit is the same length both ways.  Anatomy is drawn bilaterally
around x = 50 from "dx" offsets (distance from the midline).  A figure file's
fractions are x / 100 and y / (100 * H / W).
"""
from __future__ import annotations

import argparse
import io
import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
SS = 2                                   # supersampling factor

# A muted palette, so red referral zones stand out.
WHITE = (255, 255, 255)
SKIN = (247, 240, 234)
SKIN_EDGE = (214, 197, 186)
SKIN_LINE = (226, 212, 202)
BONE = (242, 235, 216)
BONE_SHADE = (226, 216, 192)
BONE_DEEP = (205, 193, 166)
BONE_HOLE = (188, 176, 150)
INK = (72, 67, 62)
INK_SOFT = (128, 120, 110)
MUSCLE = (192, 138, 124)
MUSCLE_DEEP = (171, 116, 104)
FIBRE = (146, 92, 82)
CARTILAGE = (214, 220, 222)


# --------------------------------------------------------------------------------------
# Drawing helpers
# --------------------------------------------------------------------------------------


def catmull_rom(points, closed=True, steps=10):
    """A smooth curve through ``points`` (centripetal Catmull-Rom), as a point list."""
    pts = list(points)
    if len(pts) < 3:
        return pts
    if closed:
        ext = [pts[-1]] + pts + [pts[0], pts[1]]
        segments = len(pts)
    else:
        ext = [pts[0]] + pts + [pts[-1]]
        segments = len(pts) - 1
    out = []
    for i in range(segments):
        p0, p1, p2, p3 = ext[i], ext[i + 1], ext[i + 2], ext[i + 3]

        def knot(t, a, b):
            d = math.hypot(b[0] - a[0], b[1] - a[1]) ** 0.5
            return t + max(d, 1e-6)

        t0 = 0.0
        t1 = knot(t0, p0, p1)
        t2 = knot(t1, p1, p2)
        t3 = knot(t2, p2, p3)
        for s in range(steps):
            t = t1 + (t2 - t1) * s / steps

            def lerp(a, b, ta, tb):
                if tb - ta < 1e-9:
                    return a
                wa, wb = (tb - t) / (tb - ta), (t - ta) / (tb - ta)
                return (a[0] * wa + b[0] * wb, a[1] * wa + b[1] * wb)

            a1 = lerp(p0, p1, t0, t1)
            a2 = lerp(p1, p2, t1, t2)
            a3 = lerp(p2, p3, t2, t3)
            b1 = lerp(a1, a2, t0, t2)
            b2 = lerp(a2, a3, t1, t3)
            out.append(lerp(b1, b2, t1, t2))
    if not closed:
        out.append(pts[-1])
    return out


def ellipse_pts(cx, cy, rx, ry, n=72, start=0.0, end=360.0, rot=0.0):
    pts = []
    cr, sr = math.cos(math.radians(rot)), math.sin(math.radians(rot))
    for i in range(n + 1):
        a = math.radians(start + (end - start) * i / n)
        x, y = rx * math.cos(a), ry * math.sin(a)
        pts.append((cx + x * cr - y * sr, cy + x * sr + y * cr))
    return pts


class Canvas:
    """An RGBA drawing surface addressed in drawing units (see module doc)."""

    def __init__(self, width: int, height: int, background=WHITE):
        self.width, self.height = width, height
        self.scale = width * SS / 100.0
        self.units_high = 100.0 * height / width
        self.image = Image.new("RGBA", (width * SS, height * SS), background + (255,))

    # -- coordinates --------------------------------------------------------------------
    def px(self, pts):
        return [(x * self.scale, y * self.scale) for x, y in pts]

    def w(self, width_px: float) -> int:
        """A stroke width given in output pixels."""
        return max(1, round(width_px * SS))

    # -- primitives ---------------------------------------------------------------------
    def layer(self):
        return Image.new("RGBA", self.image.size, (0, 0, 0, 0))

    def merge(self, layer, opacity: float = 1.0):
        if opacity < 1.0:
            alpha = layer.getchannel("A").point(lambda v: round(v * opacity))
            layer.putalpha(alpha)
        self.image.alpha_composite(layer)

    def shape(self, pts, fill=None, outline=None, width=2.5, smooth=True, steps=10,
              target=None, opacity=1.0):
        poly = catmull_rom(pts, True, steps) if smooth else list(pts)
        layer = target if target is not None else self.layer()
        draw = ImageDraw.Draw(layer)
        xy = self.px(poly)
        if fill is not None:
            draw.polygon(xy, fill=_rgba(fill))
        if outline is not None:
            draw.line(xy + [xy[0]], fill=_rgba(outline), width=self.w(width), joint="curve")
        if target is None:
            self.merge(layer, opacity)
        return poly

    def path(self, pts, color=INK, width=2.5, smooth=True, steps=10, target=None,
             opacity=1.0, caps=True):
        line = catmull_rom(pts, False, steps) if smooth and len(pts) > 2 else list(pts)
        layer = target if target is not None else self.layer()
        draw = ImageDraw.Draw(layer)
        xy = self.px(line)
        draw.line(xy, fill=_rgba(color), width=self.w(width), joint="curve")
        if caps:
            r = self.w(width) / 2
            for x, y in (xy[0], xy[-1]):
                draw.ellipse([x - r, y - r, x + r, y + r], fill=_rgba(color))
        if target is None:
            self.merge(layer, opacity)

    def ellipse(self, cx, cy, rx, ry, fill=None, outline=None, width=2.5, rot=0.0,
                target=None, opacity=1.0):
        return self.shape(ellipse_pts(cx, cy, rx, ry, rot=rot), fill, outline, width,
                          smooth=False, target=target, opacity=opacity)

    def blur_shape(self, pts, fill, radius_px, opacity=1.0, smooth=True):
        """A soft-edged shape (shading, silhouettes)."""
        # transparent pixels carry the shape's colour, so blurring does not darken the edge
        layer = Image.new("RGBA", self.image.size, tuple(fill[:3]) + (0,))
        poly = catmull_rom(pts, True) if smooth else pts
        ImageDraw.Draw(layer).polygon(self.px(poly), fill=_rgba(fill))
        layer = layer.filter(ImageFilter.GaussianBlur(radius_px * SS))
        self.merge(layer, opacity)

    # -- output ---------------------------------------------------------------------------
    def finish(self) -> Image.Image:
        return self.image.convert("RGB").resize((self.width, self.height),
                                                Image.Resampling.LANCZOS)


def _rgba(color):
    return tuple(color) + (255,) if len(color) == 3 else tuple(color)


def mirror(pts, side):
    """Drawing-unit points from (dx, y) offsets: side -1 = viewer's left, +1 = right."""
    return [(50 + side * dx, y) for dx, y in pts]


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=True)
    return buf.getvalue()


# --------------------------------------------------------------------------------------
# Anatomy parts (posterior view).  oy shifts the pelvis down, for the lumbar figure.
# --------------------------------------------------------------------------------------


def body_silhouette(c: Canvas, oy: float, top_dx=28.0, waist_y=15.0):
    """A faint body outline: waist, hips, buttocks and thighs, seen from behind."""
    bottom = c.units_high + 2
    left = [(top_dx, -2), (top_dx - 1.0, waist_y - 8 + oy * 0.4), (26.5, waist_y + oy),
            (29.5, 27 + oy), (34, 38 + oy), (37.2, 50 + oy), (38.8, 63 + oy),
            (38.2, 76 + oy), (36.2, 90 + oy), (33.5, 105 + oy), (31.2, 120 + oy),
            (29.5, 140 + oy)]
    left = [(dx, y) for dx, y in left if y <= bottom + 12]
    if left[-1][1] < bottom:
        left.append((left[-1][0] - 0.5, bottom))
    inner_top = 86 + oy
    inner = [(1.2, inner_top + 1), (3.5, 95 + oy), (5.0, 110 + oy), (6.2, 130 + oy),
             (7.0, 150 + oy)]
    inner = [(dx, y) for dx, y in inner if y <= bottom + 12]
    outline = (mirror(left, -1)
               + [(50 - left[-1][0], bottom + 10), (50 - inner[-1][0], bottom + 10)]
               + list(reversed(mirror(inner, -1))) + [(50, inner_top - 0.5)]
               + mirror(inner, 1) + [(50 + inner[-1][0], bottom + 10),
                                     (50 + left[-1][0], bottom + 10)]
               + list(reversed(mirror(left, 1))))
    c.shape(outline, fill=SKIN, outline=SKIN_EDGE, width=3.5, smooth=True, steps=8)
    # gluteal cleft and folds
    c.path([(50, 59 + oy), (50, 72 + oy), (50, inner_top - 1)], SKIN_LINE, 3.0)
    for side in (-1, 1):
        c.path(mirror([(1.8, inner_top + 0.5), (8, 89.5 + oy), (16, 90.5 + oy),
                       (23, 89 + oy)], side), SKIN_LINE, 3.0)


def psis_dimples(c: Canvas, oy: float):
    for side in (-1, 1):
        cx = 50 + side * 9.6
        c.blur_shape(ellipse_pts(cx, 41.6 + oy, 1.4, 1.0), (150, 130, 118), 2.5, opacity=0.28,
                     smooth=False)


def vertebra(c: Canvas, top: float, height: float, tp_dx: float, tp_tilt: float,
             tp_width: float = 2.4, lumbar=True, body_dx=7.6):
    """A lumbar (or low thoracic) vertebra seen from behind."""
    mid = top + height / 2
    bottom = top + height
    # vertebral body, mostly hidden behind the arch (drawn darker: it is farther away)
    c.shape([(-body_dx + 50, top + 0.6), (body_dx + 50, top + 0.6), (body_dx + 50.4, mid),
             (body_dx + 50, bottom - 0.6), (-body_dx + 50, bottom - 0.6),
             (-body_dx + 49.6, mid)], fill=BONE_SHADE, outline=INK_SOFT, width=2.0,
            smooth=True, steps=6)
    for side in (-1, 1):
        # transverse process
        base_y = mid - 0.6
        tp = mirror([(3.8, base_y - tp_width * 0.55), (tp_dx * 0.55, base_y - tp_width * 0.45
                                                       - tp_tilt * 0.4),
                     (tp_dx - 0.6, base_y - tp_width * 0.4 - tp_tilt),
                     (tp_dx + 0.3, base_y - tp_tilt), (tp_dx - 0.6, base_y + tp_width * 0.45
                                                       - tp_tilt),
                     (tp_dx * 0.55, base_y + tp_width * 0.5 - tp_tilt * 0.4),
                     (3.8, base_y + tp_width * 0.65)], side)
        c.shape(tp, fill=BONE, outline=INK, width=2.5, steps=8)
    # lamina + articular processes: a rounded "bow tie" around the midline
    arch = [(-5.2, top + 0.1), (-3.0, top + 1.2), (0, top + 1.8), (3.0, top + 1.2),
            (5.2, top + 0.1), (6.0, top + 1.5), (5.4, mid), (5.6, bottom - 0.8),
            (4.6, bottom + 0.6), (2.2, bottom - 0.4), (0, bottom - 0.2), (-2.2, bottom - 0.4),
            (-4.6, bottom + 0.6), (-5.6, bottom - 0.8), (-5.4, mid), (-6.0, top + 1.5)]
    c.shape([(50 + x, y) for x, y in arch], fill=BONE, outline=INK, width=2.5, steps=6)
    # facet joints (superior articular processes) as small ovals
    for side in (-1, 1):
        c.ellipse(50 + side * 4.6, top + 1.0, 1.1, 1.3, fill=BONE_SHADE, outline=INK_SOFT,
                  width=1.8)
    # spinous process
    c.shape([(48.8, top + 1.6), (51.2, top + 1.6), (51.5, bottom - 1.4), (50.9, bottom + 0.2),
             (49.1, bottom + 0.2), (48.5, bottom - 1.4)], fill=BONE, outline=INK, width=2.5,
            steps=6)
    c.path([(50, top + 2.6), (50, bottom - 1.2)], BONE_SHADE, 3.0)


def sacrum_and_coccyx(c: Canvas, oy: float):
    top = 35.5 + oy
    half = [(0, top + 0.4), (3.5, top - 0.2), (5.2, top - 1.2), (6.6, top + 0.3),
            (10.5, top + 0.2), (13.2, top + 1.2), (12.6, top + 6.5), (11.0, top + 12.5),
            (8.2, top + 18.5), (4.6, top + 23.5), (2.2, top + 26.2), (0, top + 26.8)]
    outline = mirror(half, 1) + list(reversed(mirror(half[1:-1], -1)))
    c.shape(outline, fill=BONE, outline=INK, width=2.8, steps=8)
    # gentle shading toward the lateral parts
    for side in (-1, 1):
        c.blur_shape(mirror([(9.5, top + 3), (12.2, top + 3), (10.8, top + 12), (7.2, top + 19),
                             (6.0, top + 17), (8.6, top + 10)], side), BONE_SHADE, 6,
                     opacity=0.9)
    # posterior sacral foramina, four pairs getting smaller
    for i, (dy, r) in enumerate(((3.8, 1.25), (8.8, 1.1), (13.6, 0.95), (18.0, 0.8))):
        for side in (-1, 1):
            dx = 4.9 - i * 0.55
            c.ellipse(50 + side * dx, top + dy, r * 1.1, r, fill=BONE_HOLE, outline=INK_SOFT,
                      width=1.8)
    # median sacral crest: a row of tubercles
    for i, dy in enumerate((3.0, 7.6, 12.2, 16.4)):
        c.ellipse(50, top + dy, 1.5 - i * 0.15, 1.6, fill=BONE_SHADE, outline=INK_SOFT,
                  width=1.8)
    # sacral hiatus and cornua
    c.shape([(48.7, top + 20.5), (51.3, top + 20.5), (51.9, top + 25.5), (48.1, top + 25.5)],
            fill=BONE_HOLE, outline=INK_SOFT, width=1.8, steps=6)
    # coccyx: four small segments
    y = top + 27.2
    for i, (w, h) in enumerate(((2.6, 2.4), (2.1, 2.0), (1.6, 1.7), (1.1, 1.4))):
        c.shape([(50 - w, y), (50 + w, y), (50 + w * 0.8, y + h), (50 - w * 0.8, y + h)],
                fill=BONE, outline=INK, width=2.3, steps=5)
        y += h + 0.35


def hip_bone(c: Canvas, side: int, oy: float):
    """Ilium, ischium and pubis of one side, from behind."""
    o = oy
    ilium = [(9.6, 42.2 + o), (10.8, 37 + o), (13, 33 + o), (17.8, 26.8 + o),
             (23, 22.6 + o), (28, 21.3 + o), (31.2, 23.6 + o), (32.6, 28.8 + o),
             (31.2, 35.5 + o), (28.8, 42.5 + o), (27.2, 49 + o), (26.4, 55 + o),
             (25.4, 61 + o), (23.8, 66.5 + o), (20.8, 71.5 + o), (18.4, 76 + o),
             (15.6, 79.2 + o), (12.0, 79.4 + o), (9.4, 77.6 + o), (5.6, 75.6 + o),
             (1.6, 74.4 + o), (1.1, 71.0 + o), (1.6, 68.5 + o), (5.5, 66.3 + o),
             (10.2, 64.0 + o), (12.8, 61.4 + o), (16.4, 56.8 + o), (16.2, 52.2 + o),
             (13.2, 48.6 + o), (10.8, 46.2 + o)]
    c.shape(mirror(ilium, side), fill=BONE, outline=INK, width=2.8, steps=8)
    # the iliac fossa seen through: a soft shadow inside the wing
    c.blur_shape(mirror([(16.5, 36 + o), (22, 29.5 + o), (27.5, 27.5 + o), (28, 33 + o),
                         (25, 41 + o), (19.5, 45 + o), (16.5, 42 + o)], side), BONE_SHADE, 14,
                 opacity=0.4)
    # iliac crest rim (a second line just inside the edge)
    c.path(mirror([(10.9, 37.4 + o), (13.4, 33.6 + o), (18.2, 27.8 + o), (23.2, 23.8 + o),
                   (28, 22.6 + o), (30.6, 24.4 + o), (31.7, 28.6 + o)], side), INK_SOFT, 1.8)
    # obturator foramen
    c.shape(mirror([(7.8, 67.0 + o), (11.6, 65.4 + o), (15.4, 66.6 + o), (16.2, 69.8 + o),
                    (13.8, 73.2 + o), (10.0, 73.4 + o), (7.2, 71.0 + o)], side),
            fill=SKIN, outline=INK, width=2.3, steps=8)
    # ischial tuberosity
    c.shape(mirror([(14.2, 73.8 + o), (17.2, 72.4 + o), (18.4, 75.0 + o), (16.0, 78.4 + o),
                    (13.0, 78.6 + o), (12.6, 76.2 + o)], side), fill=BONE_SHADE,
            outline=INK_SOFT, width=1.8, steps=8)


def femur(c: Canvas, side: int, oy: float):
    o = oy
    bottom = c.units_high + 3
    # shaft runs down and slightly inward
    k = (bottom - (75 + o))
    lat_bottom = 33.6 - 0.11 * k
    med_bottom = 26.4 - 0.09 * k
    outline = [(32.2, 59.6 + o), (34.6, 61.6 + o), (35.4, 66 + o), (34.8, 71 + o),
               (33.9, 76 + o), (lat_bottom, bottom), (med_bottom, bottom),
               (26.6, 80 + o), (25.2, 76.8 + o), (24.0, 75.2 + o), (25.6, 72.6 + o),
               (24.4, 68.6 + o), (22.2, 67.8 + o), (19.6, 68.9 + o), (16.8, 68.0 + o),
               (14.5, 64.6 + o), (14.8, 60.6 + o), (17.6, 57.8 + o), (21.2, 57.6 + o),
               (23.8, 59.2 + o), (27.6, 60.4 + o), (29.6, 58.8 + o)]
    c.shape(mirror(outline, side), fill=BONE, outline=INK, width=2.8, steps=8)
    # femoral head in its socket: the posterior rim of the acetabulum crosses it
    c.blur_shape(mirror([(15.4, 61 + o), (17.8, 58.6 + o), (21, 58.4 + o), (19.6, 62.6 + o),
                         (16.8, 65.4 + o)], side), BONE_SHADE, 3, opacity=0.9)
    c.path(mirror([(15.2, 57.4 + o), (19.4, 57.0 + o), (22.8, 59.6 + o), (23.6, 64.0 + o),
                   (22.0, 68.2 + o)], side), INK_SOFT, 2.2)
    # intertrochanteric crest and the trochanteric fossa
    c.path(mirror([(29.6, 60.2 + o), (28.2, 65 + o), (26.8, 70 + o), (25.4, 74.2 + o)], side),
           INK_SOFT, 2.0)
    c.blur_shape(mirror([(29.2, 60.6 + o), (30.8, 62 + o), (30.2, 64.8 + o), (28.8, 63.8 + o)],
                        side), BONE_DEEP, 2.0, opacity=0.8)
    # greater trochanter, lightly shaded to read as a bump
    c.blur_shape(mirror([(31.4, 61.5 + o), (34.0, 62.6 + o), (34.4, 67.5 + o), (32.6, 71 + o),
                         (30.8, 68 + o)], side), BONE_SHADE, 4, opacity=0.9)
    # linea aspera / gluteal tuberosity
    c.path(mirror([(31.2, 78 + o), (30.0, 88 + o), (29.2, 98 + o)], side), INK_SOFT, 1.8)


def gluteus_medius(c: Canvas, side: int, oy: float):
    o = oy
    fan = [(14.6, 33.6 + o), (18.4, 28.0 + o), (23.2, 24.4 + o), (28.0, 23.6 + o),
           (30.9, 25.6 + o), (32.2, 30.4 + o), (32.0, 38.0 + o), (32.8, 46.0 + o),
           (33.8, 53.2 + o), (34.4, 58.8 + o), (33.2, 61.9 + o), (30.2, 61.4 + o),
           (27.6, 57.8 + o), (23.4, 50.8 + o), (18.8, 43.6 + o), (15.6, 38.6 + o)]
    layer = c.layer()
    c.shape(mirror(fan, side), fill=MUSCLE, target=layer, steps=8)
    # fibres converging on the greater trochanter
    insertion = (32.0, 60.0 + o)
    starts = catmull_rom([(15.6, 35.0 + o), (18.6, 29.4 + o), (23.2, 25.8 + o),
                          (28.0, 25.2 + o), (30.8, 27.4 + o), (31.4, 31.6 + o)], False, 5)
    for i, s in enumerate(starts[1:-1:2]):
        mid = ((s[0] + insertion[0]) / 2 + 0.6, (s[1] + insertion[1]) / 2)
        c.path(mirror([s, mid, insertion], side), FIBRE, 1.6, target=layer)
    c.shape(mirror(fan, side), outline=(150, 96, 86), width=2.4, target=layer, steps=8)
    c.merge(layer, opacity=0.72)


def ribs(c: Canvas):
    """Ribs 11 and 12 with the T11 / T12 vertebrae they belong to (lumbar figure)."""
    for side in (-1, 1):
        # 11th rib: longer, from T11 (partly above the picture) down and out
        r11_upper = [(4.5, 3.2), (10.5, 4.0), (17.5, 8.4), (24.5, 15.0), (28.6, 21.2)]
        r11_lower = [(29.0, 23.6), (24.4, 18.4), (17.4, 12.0), (10.4, 7.6), (4.5, 6.9)]
        c.shape(mirror(r11_upper + r11_lower, side), fill=BONE, outline=INK, width=2.6,
                steps=8)
        # 12th rib: short, from T12, ending free at about L1-L2 level
        r12_upper = [(4.6, 12.0), (9.6, 13.0), (14.8, 16.6), (19.0, 22.0), (21.2, 26.6)]
        r12_lower = [(20.8, 29.0), (18.0, 25.0), (13.8, 19.8), (9.0, 16.4), (4.6, 15.6)]
        c.shape(mirror(r12_upper + r12_lower, side), fill=BONE, outline=INK, width=2.6,
                steps=8)


def quadratus_lumborum(c: Canvas, side: int):
    o = 25.5
    ql = [(5.8, 16.6), (9.4, 17.4), (13.8, 20.4), (17.6, 24.4), (20.4, 28.6),
          (22.6, 34.0), (24.0, 40.0), (25.6, 45.6 + 0.4), (24.2, 47.4),
          (20.4, 49.4), (16.4, 52.4), (13.2, 56.4), (11.2, 58.6), (10.6, 55.0),
          (11.8, 48.6), (12.2, 42.0), (12.0, 35.0), (11.2, 28.0), (9.0, 21.6)]
    assert o  # (the pelvis in this figure sits 25.5 units lower than in the gluteal one)
    layer = c.layer()
    c.shape(mirror(ql, side), fill=MUSCLE, target=layer, steps=8)
    # iliocostal fibres (lateral, nearly vertical) and iliolumbar fibres (medial, oblique)
    for t in (0.15, 0.35, 0.55, 0.75):
        top = (9.6 + (20.4 - 9.6) * t, 19.0 + (27.0 - 19.0) * t)
        bottom = (13.0 + (24.6 - 13.0) * t, 56.0 + (46.4 - 56.0) * t)
        c.path(mirror([top, ((top[0] + bottom[0]) / 2 + 0.8, (top[1] + bottom[1]) / 2),
                       bottom], side), FIBRE, 1.6, target=layer)
    for level in (30.5, 39.5, 48.5):   # from the transverse processes of L1..L3/L4
        c.path(mirror([(12.2, level), (15.6, level + 6.0), (18.6, level + 12.4)], side),
               FIBRE, 1.4, target=layer)
    c.shape(mirror(ql, side), outline=(150, 96, 86), width=2.4, target=layer, steps=8)
    c.merge(layer, opacity=0.72)


# --------------------------------------------------------------------------------------
# The anatomy base images
# --------------------------------------------------------------------------------------


def posterior_pelvis() -> Image.Image:
    """Gluteus medius base: L3-L5, sacrum, coccyx, ilia, femora, gluteus medius, skin."""
    c = Canvas(1536, 2048)
    body_silhouette(c, oy=0.0)
    sacrum_and_coccyx(c, 0.0)
    for side in (-1, 1):
        hip_bone(c, side, 0.0)
        femur(c, side, 0.0)
    # L3, L4, L5: transverse processes of L3 are the longest, L5's short and stout
    vertebra(c, 10.0, 8.0, tp_dx=13.2, tp_tilt=0.3)
    vertebra(c, 18.5, 8.0, tp_dx=11.8, tp_tilt=0.6)
    vertebra(c, 27.0, 8.0, tp_dx=11.2, tp_tilt=1.4, tp_width=3.2)
    for side in (-1, 1):
        gluteus_medius(c, side, 0.0)
    psis_dimples(c, 0.0)
    # SI joints: the joint line where ilium meets sacrum
    for side in (-1, 1):
        c.path(mirror([(12.2, 37.0), (11.2, 41.0), (11.3, 45.0), (11.9, 48.4)], side),
               INK, 2.0)
    return c.finish()


def posterior_lumbar() -> Image.Image:
    """Quadratus lumborum base: T11-L5, ribs 11-12, sacrum, ilia, QL, trochanters."""
    c = Canvas(1536, 2048)
    o = 25.5
    body_silhouette(c, oy=o, top_dx=27.0, waist_y=8.0)
    sacrum_and_coccyx(c, o)
    for side in (-1, 1):
        hip_bone(c, side, o)
        femur(c, side, o)
    ribs(c)
    # T11 (cut by the top edge), T12, L1..L5
    vertebra(c, 1.5, 7.5, tp_dx=6.8, tp_tilt=-0.6, body_dx=6.8)
    vertebra(c, 10.0, 7.8, tp_dx=6.2, tp_tilt=-0.4, body_dx=7.0)
    tps = ((10.8, 0.0), (12.2, 0.2), (13.4, 0.3), (12.0, 0.6), (11.2, 1.4))
    for i, (tp_dx, tilt) in enumerate(tps):
        top = 18.5 + i * 8.5
        vertebra(c, top, 8.0, tp_dx=tp_dx, tp_tilt=tilt, tp_width=3.2 if i == 4 else 2.4)
    for side in (-1, 1):
        quadratus_lumborum(c, side)
    psis_dimples(c, o)
    for side in (-1, 1):
        c.path(mirror([(12.2, 37.0 + o), (11.2, 41.0 + o), (11.3, 45.0 + o),
                       (11.9, 48.4 + o)], side), INK, 2.0)
    return c.finish()


# --------------------------------------------------------------------------------------
# The pelvis from the right side (front of the body to the right), for the lateral point
# --------------------------------------------------------------------------------------


def side_silhouette(c: Canvas):
    """The body in profile: low back and buttock on the left, belly and groin on the right."""
    bottom = c.units_high + 4
    back = [(27.0, -4), (28.6, 10), (30.4, 22), (29.0, 32), (24.6, 44), (21.6, 56), (22.2, 66),
            (25.2, 74), (27.2, 86), (28.6, 104), (30.0, 122), (31.0, bottom)]
    front = [(71.0, -4), (73.4, 10), (74.2, 22), (72.6, 34), (69.4, 46), (67.8, 56), (66.8, 66),
             (65.2, 84), (63.4, 104), (62.0, 122), (61.4, bottom)]
    c.shape(back + list(reversed(front)), fill=SKIN, outline=SKIN_EDGE, width=3.5, steps=8)
    c.path([(22.6, 67), (27.0, 70.6), (33.0, 72.0)], SKIN_LINE, 3.0)          # gluteal fold
    c.path([(69.4, 47), (66.0, 52.4), (63.4, 55.0)], SKIN_LINE, 3.0)         # groin crease


def side_spine_and_sacrum(c: Canvas):
    """L3-L5 in profile (bodies in front, spines behind) and the curved sacrum and coccyx."""
    for i, top in enumerate((-1.0, 8.4, 17.8)):
        shift = i * 0.9                       # the lumbar curve: lower bodies sit further back
        body = [(40.6 - shift, top), (49.0 - shift, top + 0.4), (49.4 - shift, top + 7.4),
                (40.8 - shift, top + 7.8)]
        c.shape(body, fill=BONE, outline=INK, width=2.4, steps=4)
        arch = [(40.8 - shift, top + 1.4), (35.0 - shift, top + 2.0), (30.6 - shift, top + 3.2),
                (30.2 - shift, top + 5.6), (35.0 - shift, top + 6.2), (40.8 - shift, top + 6.6)]
        c.shape(arch, fill=BONE_SHADE, outline=INK, width=2.2, steps=4)
    sacrum = [(37.6, 27.2), (46.6, 27.6), (44.6, 34.0), (41.6, 41.0), (37.2, 47.2), (33.4, 51.0),
              (30.6, 50.6), (29.2, 45.0), (29.8, 38.0), (31.4, 31.6)]
    c.shape(sacrum, fill=BONE, outline=INK, width=2.6, steps=8)
    for k in range(3):                         # the fused segments
        y = 33.0 + k * 5.0
        c.path([(31.0 - k * 0.3, y), (43.0 - k * 2.4, y + 1.6)], INK_SOFT, 1.6, smooth=False)
    c.shape([(31.0, 50.4), (34.2, 50.6), (34.6, 53.0), (33.2, 55.6), (31.2, 55.2)],
            fill=BONE, outline=INK, width=2.2, steps=6)                        # coccyx


def side_hip_bone(c: Canvas):
    """The right hip bone from the side: the wing of the ilium, the socket, pubis and ischium."""
    bone = [(31.8, 36.4), (33.4, 29.4), (38.4, 24.0), (45.6, 21.4), (53.0, 21.2), (59.6, 23.2),
            (64.6, 27.0), (67.6, 31.6), (66.4, 34.8), (64.2, 37.2), (65.2, 41.0), (63.0, 44.6),
            (63.6, 49.0), (65.6, 54.2), (65.0, 58.0), (62.6, 59.6), (59.0, 62.6), (55.4, 66.6),
            (50.0, 68.6), (45.6, 67.0), (44.4, 62.6), (42.6, 58.6), (42.0, 54.6), (39.2, 50.2),
            (36.6, 46.0), (33.4, 42.8), (32.0, 40.0)]
    c.shape(bone, fill=BONE, outline=INK, width=2.8, steps=8)
    c.blur_shape([(40, 30), (50, 26.4), (58.6, 28.4), (58.4, 36), (52, 42), (43.4, 41.2)],
                 BONE_SHADE, 12, opacity=0.45)
    # the iliac crest rim, from the PSIS at the back to the ASIS at the front
    c.path([(32.6, 36.2), (34.4, 30.2), (39.0, 25.2), (45.8, 22.8), (53.0, 22.6), (59.2, 24.6),
            (64.0, 28.2), (66.6, 32.0)], INK_SOFT, 1.8)
    c.ellipse(55.2, 52.2, 5.6, 5.4, fill=BONE_SHADE, outline=INK, width=2.4)      # acetabulum
    c.ellipse(58.8, 61.2, 3.0, 1.8, fill=SKIN, outline=INK, width=2.2, rot=-25)   # obturator
    c.shape([(45.2, 63.4), (48.6, 63.0), (50.0, 66.4), (47.6, 68.2), (45.2, 67.0)],
            fill=BONE_DEEP, outline=INK_SOFT, width=1.8, steps=6)                # sitting bone


def side_femur(c: Canvas):
    """The right thigh bone: head in the socket, the greater trochanter, the shaft."""
    bottom = c.units_high + 3
    shaft = [(49.6, 56.0), (55.8, 55.2), (58.6, 60.0), (59.6, 76.0), (60.2, 100.0),
             (59.6, bottom), (51.4, bottom), (51.8, 100.0), (50.6, 76.0), (48.4, 62.0)]
    c.shape(shaft, fill=BONE, outline=INK, width=2.8, steps=8)
    c.ellipse(55.2, 52.2, 4.2, 4.2, fill=BONE, outline=INK_SOFT, width=2.0)       # head
    trochanter = [(47.2, 54.4), (52.6, 52.8), (56.4, 55.6), (56.0, 60.6), (51.4, 62.4),
                  (47.6, 60.2)]
    c.shape(trochanter, fill=BONE, outline=INK, width=2.6, steps=8)
    c.blur_shape(trochanter, BONE_SHADE, 3, opacity=0.7)


def side_gluteus_medius(c: Canvas):
    """The fan of the gluteus medius, from under the whole crest down to the trochanter."""
    fan = [(33.6, 36.0), (35.6, 30.0), (40.0, 25.6), (46.4, 23.6), (53.0, 23.4), (59.0, 25.2),
           (63.8, 28.6), (65.6, 32.8), (63.0, 38.8), (58.6, 46.2), (54.8, 54.4), (51.0, 56.4),
           (47.4, 54.4), (43.0, 48.4), (37.6, 41.6)]
    layer = c.layer()
    c.shape(fan, fill=MUSCLE, target=layer, steps=8)
    insertion = (51.2, 55.2)
    starts = catmull_rom([(35.0, 34.4), (37.4, 29.2), (42.0, 25.8), (48.0, 24.6), (54.0, 24.6),
                          (59.6, 26.6), (63.8, 30.6)], False, 5)
    for s in starts[1:-1:2]:
        mid = ((s[0] + insertion[0]) / 2, (s[1] + insertion[1]) / 2 + 0.6)
        c.path([s, mid, insertion], FIBRE, 1.6, target=layer)
    c.shape(fan, outline=(150, 96, 86), width=2.4, target=layer, steps=8)
    c.merge(layer, opacity=0.72)


def lateral_pelvis() -> Image.Image:
    """Gluteus medius side view: L3-L5, sacrum, right hip bone, femur, gluteus medius, skin."""
    c = Canvas(1536, 2048)
    side_silhouette(c)
    side_spine_and_sacrum(c)
    side_hip_bone(c)
    side_femur(c)
    side_gluteus_medius(c)
    return c.finish()


# --------------------------------------------------------------------------------------
# Plain illustrations: friendly pictograms (rounded limbs, one accent colour)
# --------------------------------------------------------------------------------------

PERSON = (64, 112, 140)
PERSON_FAR = (140, 172, 190)
ACCENT = (214, 64, 52)
BALL = (238, 150, 60)
BALL_SHADE = (204, 116, 40)
FLOOR = (222, 214, 204)
WALL = (232, 226, 218)
BACKDROP = (250, 247, 243)


def limb(c: Canvas, a, b, thickness, color, target=None):
    """A rounded limb segment from a to b (drawing units; thickness in units)."""
    c.path([a, b], color, thickness * c.scale / SS, smooth=False, target=target)


def person(c: Canvas, head, neck, pelvis, limbs, head_r=4.2, torso=7.6):
    """A pictogram person.  ``limbs`` is a list of (points, thickness, far); far limbs
    (the ones behind the body) are drawn first, in a paler colour."""
    layer = c.layer()
    for pts, thick, far in limbs:
        if far:
            for a, b in zip(pts, pts[1:]):
                limb(c, a, b, thick, PERSON_FAR, target=layer)
    limb(c, neck, pelvis, torso, PERSON, target=layer)
    for pts, thick, far in limbs:
        if not far:
            for a, b in zip(pts, pts[1:]):
                limb(c, a, b, thick, PERSON, target=layer)
    hx, hy = head
    ImageDraw.Draw(layer).ellipse([(hx - head_r) * c.scale, (hy - head_r) * c.scale,
                                   (hx + head_r) * c.scale, (hy + head_r) * c.scale],
                                  fill=_rgba(PERSON))
    c.merge(layer)


def glow(c: Canvas, x, y, r, color=ACCENT, opacity=0.6):
    c.blur_shape(ellipse_pts(x, y, r, r * 0.85), color, r * c.scale / SS * 0.3,
                 opacity=opacity, smooth=False)


def ball(c: Canvas, x, y, r):
    c.ellipse(x, y + r * 0.98, r * 0.9, r * 0.12, fill=(200, 190, 178))      # shadow
    c.ellipse(x, y, r, r, fill=BALL)
    c.ellipse(x - r * 0.28, y - r * 0.3, r * 0.42, r * 0.36, fill=(246, 184, 112))
    c.ellipse(x, y, r, r, outline=BALL_SHADE, width=3)


def arrow(c: Canvas, pts, color=ACCENT, width=6.0, both=False):
    """An arrow along pts (smoothed), head at the end (and the start if ``both``)."""
    line = catmull_rom(pts, False, 12) if len(pts) > 2 else list(pts)
    size = width * 3.6 / (c.scale / SS)                  # head length, in units

    def head(tip, before):
        ang = math.atan2(tip[1] - before[1], tip[0] - before[0])
        back = (tip[0] - math.cos(ang) * size, tip[1] - math.sin(ang) * size)
        side = (-math.sin(ang) * size * 0.6, math.cos(ang) * size * 0.6)
        return [tip, (back[0] + side[0], back[1] + side[1]),
                (back[0] - side[0], back[1] - side[1])], back

    tri_end, back_end = head(line[-1], line[-2])
    line = line[:-1] + [back_end]
    shapes = [tri_end]
    if both:
        tri_start, back_start = head(line[0], line[1])
        line = [back_start] + line[1:]
        shapes.append(tri_start)
    c.path(line, color, width, smooth=False)
    for tri in shapes:
        c.shape(tri, fill=color, smooth=False)


def play_button(c: Canvas, x, y, r):
    c.blur_shape(ellipse_pts(x, y + 0.6, r, r), (0, 0, 0), 6, opacity=0.25, smooth=False)
    c.ellipse(x, y, r, r, fill=(255, 255, 255))
    c.ellipse(x, y, r * 0.88, r * 0.88, fill=(214, 64, 52))
    s = r * 0.42
    c.shape([(x - s * 0.62, y - s), (x + s * 1.05, y), (x - s * 0.62, y + s)],
            fill=(255, 255, 255), smooth=False)


def floor(c: Canvas, y):
    c.shape([(0, y), (100, y), (100, c.units_high), (0, c.units_high)], fill=FLOOR,
            smooth=False)
    c.path([(0, y), (100, y)], (200, 190, 178), 3, smooth=False)


def wall(c: Canvas, right: float, floor_y: float):
    c.shape([(0, 0), (right, 0), (right, floor_y), (0, floor_y)], fill=WALL, smooth=False)
    c.path([(right, 0), (right, floor_y)], (200, 190, 178), 3, smooth=False)


def ball_wall() -> Image.Image:
    """Side view: back to a wall, a ball between the wall and the back of the pelvis (medial point)."""
    c = Canvas(1600, 1200, BACKDROP)
    wall(c, 19, 68)
    floor(c, 68)
    ball(c, 23.2, 38.6, 4.0)
    person(c, head=(31.0, 11.4), neck=(30.2, 19.6), pelvis=(31.6, 39.6), limbs=[
        ([(31.0, 22.2), (33.2, 30.8), (37.6, 37.0)], 3.0, True),            # far arm
        ([(31.6, 41.0), (36.8, 53.8), (36.6, 66.0)], 3.8, True),            # far leg
        ([(32.2, 41.0), (38.8, 53.6), (39.6, 66.0)], 3.8, False),           # near leg
        ([(30.4, 22.2), (31.8, 31.2), (36.0, 37.6)], 3.0, False),           # near arm
    ], torso=8.2)
    glow(c, 27.4, 38.4, 4.6)
    # bend and straighten the knees: the ball rolls up and down a few centimetres
    arrow(c, [(50.0, 28.0), (50.0, 52.0)], width=12.0, both=True)
    return c.finish()


def ball_wall_side() -> Image.Image:
    """Front view: side to a wall, the hip leaning on a ball just below the crest (middle, lateral)."""
    c = Canvas(1600, 1200, BACKDROP)
    wall(c, 30, 68)
    floor(c, 68)
    ball(c, 34.2, 38.4, 4.0)
    person(c, head=(44.6, 11.6), neck=(44.2, 19.8), pelvis=(42.4, 39.4), limbs=[
        ([(43.4, 41.0), (51.6, 53.6), (57.4, 66.0)], 3.8, True),            # far leg
        ([(47.0, 22.2), (52.4, 30.4), (51.8, 38.4)], 3.0, True),            # far arm, hanging
        ([(41.6, 41.0), (46.0, 53.8), (50.2, 66.0)], 3.8, False),           # leg next to the wall
        ([(41.8, 22.2), (36.4, 27.6), (31.4, 24.0)], 3.0, False),           # hand on the wall
    ], torso=8.2)
    glow(c, 38.4, 38.2, 4.6)
    arrow(c, [(68.0, 28.0), (68.0, 52.0)], width=12.0, both=True)
    return c.finish()


def ball_floor() -> Image.Image:
    """Front view: side-lying on the floor, propped on the lower forearm, ball under the hip."""
    c = Canvas(1600, 1200, BACKDROP)
    floor(c, 60)
    ball(c, 50.4, 55.4, 4.4)
    person(c, head=(22.4, 30.6), neck=(25.6, 38.0), pelvis=(49.6, 46.8), limbs=[
        ([(50.4, 47.6), (67.6, 53.0), (85.6, 57.4)], 3.8, True),             # lower leg, straight
        ([(26.4, 40.0), (27.6, 57.6), (37.8, 57.8)], 3.0, True),             # lower forearm on the floor
        ([(49.2, 45.6), (61.6, 39.4), (63.8, 57.4)], 3.8, False),            # top leg, foot in front
        ([(27.2, 39.2), (35.6, 47.6), (41.6, 57.4)], 3.0, False),            # top arm, hand on the floor
    ], torso=8.2)
    glow(c, 49.4, 49.2, 4.8)
    # small movements over the ball: toward the head and toward the feet
    arrow(c, [(38.0, 24.0), (48.0, 21.6), (58.0, 24.0)], width=12.0, both=True)
    return c.finish()


def bed(c: Canvas, top: float, floor_y: float):
    frame = (196, 182, 166)
    for x in (9.0, 86.0):
        c.shape([(x, top + 10), (x + 3, top + 10), (x + 3, floor_y), (x, floor_y)], fill=frame,
                smooth=False)
    c.shape([(6, top + 7), (92, top + 7), (92, top + 11), (6, top + 11)], fill=frame, smooth=False)
    c.shape([(6, top), (92, top), (92, top + 7.4), (6, top + 7.4)], fill=(236, 230, 222),
            outline=(200, 190, 178), width=3, smooth=False)


def stretch() -> Image.Image:
    """Side-lying at the edge of a bed, back to us: the top leg taken back and hanging down."""
    c = Canvas(1600, 1200, BACKDROP)
    floor(c, 68)
    bed(c, 40.0, 68.0)
    person(c, head=(12.6, 32.4), neck=(18.4, 35.4), pelvis=(49.0, 35.6), limbs=[
        ([(49.6, 36.0), (63.4, 35.4), (76.8, 35.8)], 3.8, True),             # lower leg on the bed
        ([(19.6, 36.2), (25.4, 37.0), (31.2, 36.6)], 3.0, True),             # lower arm
        ([(48.6, 35.0), (55.6, 49.0), (60.0, 62.4)], 3.8, False),            # top leg, hanging
        ([(19.8, 33.6), (27.4, 31.6), (34.6, 32.4)], 3.0, False),            # top arm
    ], torso=8.2)
    glow(c, 48.4, 32.2, 4.8)
    arrow(c, [(68.0, 50.0), (70.4, 56.0), (69.0, 62.0)], width=12.0)         # let it sink
    return c.finish()


def video_poster(base: Image.Image, tint) -> Image.Image:
    """16:9 poster: the anatomy drawing on a soft backdrop, with a play button."""
    c = Canvas(1920, 1080, BACKDROP)
    c.shape([(0, 0), (100, 0), (100, 56.25), (0, 56.25)], fill=tint, smooth=False,
            opacity=0.35)
    # the anatomy drawing, cropped to its middle and placed on a white card
    crop = base.crop((0, int(base.height * 0.02), base.width, int(base.height * 0.62)))
    card_h = 48 * c.scale
    card_w = card_h * crop.width / crop.height
    left = (c.image.width - card_w) / 2
    top = 4.1 * c.scale
    shadow = c.layer()
    ImageDraw.Draw(shadow).rounded_rectangle(
        [left + 6 * SS, top + 10 * SS, left + card_w + 6 * SS, top + card_h + 10 * SS],
        radius=28 * SS, fill=(0, 0, 0, 60))
    c.merge(shadow.filter(ImageFilter.GaussianBlur(14 * SS)))
    card = crop.resize((round(card_w), round(card_h)), Image.Resampling.LANCZOS).convert("RGBA")
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, card.size[0] - 1, card.size[1] - 1],
                                           radius=28 * SS, fill=255)
    card.putalpha(mask)
    c.image.alpha_composite(card, (round(left), round(top)))
    play_button(c, 50, 28.1, 7.5)
    return c.finish()


# --------------------------------------------------------------------------------------

def outputs() -> dict[str, Image.Image]:
    gm, ql = ROOT / "images" / "gluteus-medius", ROOT / "images" / "quadratus-lumborum"
    pelvis = posterior_pelvis()
    lumbar = posterior_lumbar()
    return {
        str(gm / "posterior-pelvis.png"): pelvis,
        str(gm / "lateral-pelvis.png"): lateral_pelvis(),
        str(ql / "posterior-lumbar.png"): lumbar,
        str(gm / "ball-wall.png"): ball_wall(),
        str(gm / "ball-wall-side.png"): ball_wall_side(),
        str(gm / "ball-floor.png"): ball_floor(),
        str(gm / "stretch.png"): stretch(),
        str(gm / "video-poster.png"): video_poster(pelvis, (214, 226, 232)),
        str(ql / "video-poster.png"): video_poster(lumbar, (226, 222, 236)),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed images instead of writing them")
    parser.add_argument("--only", help="draw only images whose path contains this text")
    args = parser.parse_args(argv)
    differ = 0
    for name, image in outputs().items():
        if args.only and args.only not in name:
            continue
        path = Path(name)
        data = png_bytes(image)
        assert image.width * image.height <= 4_000_000, name
        assert len(data) <= 1_500_000, (name, len(data))
        rel = path.relative_to(ROOT)
        if args.check:
            same = path.exists() and path.read_bytes() == data
            differ += not same
            print(f"{'same' if same else 'DIFFERS'}  {rel}")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {rel}  {image.width}x{image.height}  {len(data):,} bytes")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

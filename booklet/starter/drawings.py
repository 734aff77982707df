"""The starter booklet's pictures, drawn with Pillow so every new booklet has real images to replace.

Each function returns PNG bytes. The drawings are plain schematics in the style of the
project's figures: an authoring aid, not anatomy to publish. Coordinates are fractions
of the picture (origin top-left), the same convention the figure files use.
"""
from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

SCALE = 2                      # drawn at twice the size, then downsampled: smooth edges

PAPER = (250, 247, 241)
SKIN, SKIN_EDGE = (241, 224, 208), (196, 164, 142)
BONE, BONE_EDGE = (252, 248, 236), (140, 128, 112)
MUSCLE, FIBRE = (204, 132, 118), (158, 84, 76)
INK = (52, 50, 58)
BALL, BALL_EDGE = (216, 226, 92), (150, 160, 50)
WALL, FLOOR = (214, 208, 198), (190, 182, 170)

ANATOMY_SIZE = (2048, 1536)      # the size figures are rendered at: no rescaling blur
PHOTO_SIZE = (1200, 800)
POSTER_SIZE = (1280, 720)


class Canvas:
    """A supersampled RGB picture addressed in fractions of its width and height."""

    def __init__(self, size: tuple[int, int], background=PAPER, unit: float = 1.0):
        self.size = size
        self.unit = unit * SCALE          # supersampled pixels per pixel of line width
        self.image = Image.new("RGB", (size[0] * SCALE, size[1] * SCALE), background)
        self.draw = ImageDraw.Draw(self.image)

    def p(self, x: float, y: float) -> tuple[float, float]:
        return x * self.size[0] * SCALE, y * self.size[1] * SCALE

    def px(self, n: float) -> int:
        """A length given in output pixels."""
        return max(1, round(n * self.unit))

    def polygon(self, points, fill, outline=None, width: float = 3) -> None:
        self.draw.polygon([self.p(*q) for q in points], fill=fill)
        if outline is not None:
            self.line([*points, points[0]], outline, width)

    def line(self, points, fill, width: float = 3) -> None:
        self.draw.line([self.p(*q) for q in points], fill=fill, width=self.px(width), joint="curve")
        for q in (points[0], points[-1]):
            self.dot(q, width / 2, fill)

    def dot(self, centre, radius: float, fill, outline=None, width: float = 3) -> None:
        x, y = self.p(*centre)
        r = radius * self.unit
        self.draw.ellipse([x - r, y - r, x + r, y + r], fill=fill,
                          outline=outline, width=self.px(width) if outline else 0)

    def png(self) -> bytes:
        out = self.image.resize(self.size, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        out.save(buffer, "PNG", optimize=True)
        return buffer.getvalue()


def curve(a, b, c, steps: int = 16) -> list[tuple[float, float]]:
    """Points of the quadratic Bézier curve from *a* to *c* bent towards *b*."""
    return [((1 - t) ** 2 * a[0] + 2 * (1 - t) * t * b[0] + t * t * c[0],
             (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * b[1] + t * t * c[1])
            for t in (i / steps for i in range(steps + 1))]


def mirror(points) -> list[tuple[float, float]]:
    return [(1 - x, y) for x, y in points]


# --- the anatomy drawing: hips and low back seen from behind ---------------------------

def _silhouette() -> list[tuple[float, float]]:
    left = (curve((0.31, 0.0), (0.30, 0.16), (0.20, 0.33)) + curve((0.20, 0.33), (0.15, 0.47), (0.18, 0.64))[1:]
            + curve((0.18, 0.64), (0.20, 0.82), (0.215, 1.0))[1:])
    inner = [(0.485, 1.0), (0.492, 0.76), (0.5, 0.69)]
    return left + inner + mirror(inner)[::-1][1:] + mirror(left)[::-1]


def _ilium() -> list[tuple[float, float]]:
    """The left hip bone's wing, from the sacrum over the iliac crest to the hip socket."""
    crest = curve((0.445, 0.31), (0.36, 0.12), (0.235, 0.27))
    return crest + [(0.245, 0.33), (0.285, 0.42), (0.33, 0.455), (0.395, 0.47), (0.455, 0.45)]


def _femur(c: Canvas, side) -> None:
    """A thigh bone: head in the socket, neck, greater trochanter and shaft."""
    c.polygon(side([(0.232, 0.53), (0.25, 0.505), (0.275, 0.51), (0.32, 0.46), (0.35, 0.49),
                    (0.30, 0.57), (0.335, 1.0), (0.28, 1.0), (0.248, 0.60), (0.232, 0.57)]), BONE, BONE_EDGE)
    c.dot(side([(0.335, 0.472)])[0], 0.032 * 1600, BONE, BONE_EDGE)


def _muscle() -> list[tuple[float, float]]:
    """A fan-shaped hip muscle (left side): from under the crest to the greater trochanter."""
    top = curve((0.425, 0.33), (0.35, 0.19), (0.245, 0.29))
    return top + [(0.232, 0.40), (0.236, 0.52), (0.262, 0.535), (0.335, 0.44), (0.41, 0.40)]


def _fibres() -> list[list[tuple[float, float]]]:
    origins = curve((0.41, 0.34), (0.35, 0.215), (0.255, 0.30), steps=7)
    return [[o, (0.25 + 0.004 * i, 0.52 - 0.003 * i)] for i, o in enumerate(origins)]


def draw_anatomy() -> bytes:
    """The starter figure's base drawing: the low back, pelvis and upper thighs from behind."""
    c = Canvas(ANATOMY_SIZE, unit=ANATOMY_SIZE[0] / 1600)
    c.polygon(_silhouette(), SKIN, SKIN_EDGE, width=4)
    for top in (0.02, 0.095, 0.17, 0.245):                     # lumbar vertebrae
        c.polygon([(0.465, top), (0.535, top), (0.54, top + 0.06), (0.46, top + 0.06)], BONE, BONE_EDGE)
        c.line([(0.5, top + 0.015), (0.5, top + 0.05)], BONE_EDGE, 3)
    for side in (list, mirror):
        c.polygon(side(_ilium()), BONE, BONE_EDGE)
    c.polygon([(0.44, 0.31), (0.56, 0.31), (0.535, 0.47), (0.5, 0.54), (0.465, 0.47)], BONE, BONE_EDGE)
    c.line([(0.5, 0.54), (0.5, 0.575)], BONE_EDGE, 8)         # coccyx
    for x in (0.475, 0.525):                                   # sacral openings
        for y in (0.35, 0.39, 0.43):
            c.dot((x, y), 5, BONE_EDGE)
    for side in (list, mirror):
        _femur(c, side)
    for side in (list, mirror):
        c.polygon(side(_muscle()), MUSCLE, FIBRE, width=3)
        for fibre in _fibres():
            c.line(side(fibre), FIBRE, 2)
    c.line(curve((0.5, 0.58), (0.5, 0.64), (0.5, 0.69)), SKIN_EDGE, 3)   # natal cleft
    for side in (list, mirror):                                 # gluteal folds
        c.line(side(curve((0.30, 0.70), (0.40, 0.74), (0.49, 0.70))), SKIN_EDGE, 3)
    return c.png()


# --- the treatment pictures: a figure with a ball, against a wall and on the floor --------

def _person(c: Canvas, head, joints: dict[str, list[tuple[float, float]]], width: float = 22) -> None:
    for limb in joints.values():
        c.line(limb, INK, width)
    c.dot(head, 34, INK)


def draw_ball_wall() -> bytes:
    """A person standing side-on to a wall, a ball trapped between the wall and the hip."""
    c = Canvas(PHOTO_SIZE)
    c.polygon([(0.0, 0.88), (1.0, 0.88), (1.0, 1.0), (0.0, 1.0)], FLOOR)
    c.polygon([(0.66, 0.0), (1.0, 0.0), (1.0, 0.88), (0.66, 0.88)], WALL, BONE_EDGE, 2)
    _person(c, (0.545, 0.14), {
        "trunk": [(0.55, 0.22), (0.572, 0.52)],
        "near leg": [(0.572, 0.52), (0.545, 0.70), (0.56, 0.87)],
        "far leg": [(0.572, 0.52), (0.60, 0.70), (0.585, 0.87)],
        "arm": [(0.55, 0.27), (0.505, 0.40), (0.535, 0.50)],
        "wall arm": [(0.55, 0.27), (0.61, 0.31), (0.655, 0.25)],
    })
    c.dot((0.62, 0.50), 0.04 * PHOTO_SIZE[0], BALL, BALL_EDGE, 3)
    return c.png()


def draw_ball_floor() -> bytes:
    """A person lying on one side, propped on a forearm, a ball under the hip."""
    c = Canvas(PHOTO_SIZE)
    c.polygon([(0.0, 0.80), (1.0, 0.80), (1.0, 1.0), (0.0, 1.0)], FLOOR)
    _person(c, (0.235, 0.44), {
        "trunk": [(0.28, 0.52), (0.50, 0.665)],
        "forearm": [(0.28, 0.52), (0.30, 0.785), (0.40, 0.785)],
        "top arm": [(0.28, 0.52), (0.40, 0.58), (0.47, 0.63)],
        "under leg": [(0.50, 0.665), (0.68, 0.735), (0.87, 0.785)],
        "top leg": [(0.50, 0.665), (0.69, 0.685), (0.88, 0.75)],
    })
    c.dot((0.50, 0.74), 0.04 * PHOTO_SIZE[0], BALL, BALL_EDGE, 3)
    return c.png()


def draw_video_poster() -> bytes:
    """A video still: the wall picture on a dark frame with a play button."""
    c = Canvas(POSTER_SIZE, (34, 40, 48))
    still = Image.open(io.BytesIO(draw_ball_wall())).convert("RGB")
    w, h = POSTER_SIZE[0] * SCALE, POSTER_SIZE[1] * SCALE
    still = still.resize((round(h * 0.86 * still.width / still.height), round(h * 0.86)),
                         Image.Resampling.LANCZOS)
    still = Image.blend(still, Image.new("RGB", still.size, (34, 40, 48)), 0.35)
    c.image.paste(still, ((w - still.width) // 2, (h - still.height) // 2))
    c.draw = ImageDraw.Draw(c.image)
    c.dot((0.5, 0.5), 84, (178, 34, 34), (255, 255, 255), 5)
    r = 40
    cx, cy = c.p(0.5, 0.5)
    triangle = [(cx - 0.45 * r * SCALE + r * SCALE * math.cos(a), cy + r * SCALE * math.sin(a))
                for a in (0, 2 * math.pi / 3, 4 * math.pi / 3)]
    c.draw.polygon(triangle, fill=(255, 255, 255))
    return c.png()


PICTURES = {
    "anatomy.png": draw_anatomy,
    "ball-wall.png": draw_ball_wall,
    "ball-floor.png": draw_ball_floor,
    "video-poster.png": draw_video_poster,
}

"""The starter booklet's pictures, drawn with Pillow so every new booklet has real images to replace.

Each function returns PNG bytes. The drawings are plain schematics in the style of the
project's figures: an authoring aid, not anatomy to publish; the figure's base is a
placeholder for any muscle, not a drawing of one. Coordinates are fractions
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


# --- the placeholder base drawing: a muscle between two bones, for any muscle -----------

def _belly() -> list[tuple[float, float]]:
    """A spindle-shaped muscle belly from the left tendon to the right one."""
    return curve((0.2, 0.5), (0.5, 0.22), (0.8, 0.5)) + curve((0.8, 0.5), (0.5, 0.78), (0.2, 0.5))[1:]


def draw_placeholder() -> bytes:
    """The starter figure's base: a neutral muscle between two bones, to be replaced.

    No body part in particular (issue 19: every new booklet got a pelvis), so the marks of
    the starter figure show how a figure file works whatever the muscle.
    """
    c = Canvas(ANATOMY_SIZE, unit=ANATOMY_SIZE[0] / 1600)
    for x0, x1 in ((0.04, 0.12), (0.88, 0.96)):                     # the two bones
        c.polygon([(x0, 0.28), (x1, 0.28), (x1, 0.72), (x0, 0.72)], BONE, BONE_EDGE, width=4)
    for a, b in (((0.12, 0.5), (0.2, 0.5)), ((0.8, 0.5), (0.88, 0.5))):   # the tendons
        c.line([a, b], BONE_EDGE, 14)
    c.polygon(_belly(), MUSCLE, FIBRE, width=3)
    for k in range(1, 8):                                           # fibres, end to end
        bend = 0.22 + 0.07 * k
        c.line(curve((0.21, 0.5), (0.5, bend), (0.79, 0.5)), FIBRE, 2)
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
    "anatomy.png": draw_placeholder,
    "ball-wall.png": draw_ball_wall,
    "ball-floor.png": draw_ball_floor,
    "video-poster.png": draw_video_poster,
}

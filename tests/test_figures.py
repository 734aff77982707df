"""Tests for booklet.figures: loading, rendering and markup of annotated figures.

Regenerate the golden file with:  BOOKLET_SAVE_GOLDEN=1 python -m pytest tests/test_figures.py
"""
from __future__ import annotations

import difflib
import io
import itertools
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from booklet.errors import BuildErrors, ConfigError
from booklet.figures import (
    Figure,
    RenderedImage,
    figure_markup,
    font_path,
    load_figure,
    output_size,
    render_figure,
)
from booklet.figures.render import interior_point, point_in_polygon

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "figure-overview.xhtml"
XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
SVG_NS = "http://www.w3.org/2000/svg"


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def make_base(folder: Path, name="base.png", size=(200, 100), color=(255, 255, 255),
              fmt="PNG") -> Path:
    path = folder / name
    Image.new("RGB", size, color).save(path, fmt)
    return path


def write_figure(folder: Path, body: str, name="fig.toml", base=True) -> Path:
    if base and not (folder / "base.png").exists():
        make_base(folder)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def decode(img: RenderedImage) -> Image.Image:
    im = Image.open(io.BytesIO(img.data))
    assert im.size == (img.width, img.height)
    return im.convert("RGB")


def is_red(px) -> bool:
    r, g, b = px
    return r > 170 and g < 130 and b < 130 and r - g > 80


def is_dark(px) -> bool:
    return sum(px) < 150


def is_ink(px) -> bool:
    """Dark grey or black: leader lines are antialiased dark grey."""
    return max(px) < 110


def pixels(im: Image.Image) -> list[tuple[int, int, int]]:
    data = im.convert("RGB").tobytes()
    return [tuple(data[i:i + 3]) for i in range(0, len(data), 3)]


MARKER = """
[[marker]]
id = "tp1"
label = "First point"
x = 0.3
y = 0.5
note = "A note."
"""

ESSENTIAL = """
[[zone]]
id = "ess"
label = "Main pain"
points = [[0.5, 0.1], [0.9, 0.1], [0.9, 0.45], [0.5, 0.45]]
kind = "essential"
for = "tp1"
"""

SPILLOVER = """
[[zone]]
id = "spill"
label = "Spread"
points = [[0.5, 0.55], [0.9, 0.55], [0.9, 0.95], [0.5, 0.95]]
kind = "spillover"
"""

CALLOUT = """
[[callout]]
text = "PSIS"
at = [0.2, 0.2]
label_at = [0.05, 0.1]
"""


def full_figure(tmp_path: Path) -> Figure:
    return load_figure(write_figure(tmp_path, 'base = "base.png"\nlegend = "none"\n'
                                    + MARKER + ESSENTIAL + SPILLOVER + CALLOUT))


# --------------------------------------------------------------------------------------
# load_figure: a valid file
# --------------------------------------------------------------------------------------


def test_load_valid_figure(tmp_path):
    fig = full_figure(tmp_path)
    assert fig.base == (tmp_path / "base.png").resolve()
    assert fig.base_format == "PNG" and fig.base_size == (200, 100)
    assert [m.id for m in fig.markers] == ["tp1"]
    assert fig.markers[0].x == 0.3 and fig.markers[0].note == "A note."
    assert [(z.id, z.kind, z.for_) for z in fig.zones] == [("ess", "essential", "tp1"),
                                                          ("spill", "spillover", None)]
    assert fig.zones[0].note == "Where pain from the first point is usually felt."
    assert fig.zones[1].note == "Where the referred pain sometimes spreads (spillover)."
    assert fig.callouts[0].text == "PSIS" and fig.callouts[0].label_at == (0.05, 0.1)
    assert fig.warnings == []


def test_defaults(tmp_path):
    path = write_figure(tmp_path, 'base = "base.png"\n[[marker]]\nid = "m"\nlabel = "M"\n'
                        'x = 0\ny = 1\n[[zone]]\nid = "z"\npoints = [[0,0],[1,0],[1,1]]\n'
                        '[[callout]]\ntext = "T"\nat = [0.5, 0.5]\n')
    fig = load_figure(path)
    assert fig.markers[0].note == "A trigger point."
    assert fig.zones[0].kind == "essential" and fig.zones[0].label == "Referred pain"
    assert fig.callouts[0].label_at == fig.callouts[0].at
    assert fig.legend.position == "bottom-right"


def test_unknown_keys_are_warnings(tmp_path):
    path = write_figure(tmp_path, 'base = "base.png"\nauthor = "me"\n' + MARKER + 'colour = "red"\n')
    fig = load_figure(path)
    assert fig.warnings == [
        f"{path}:2: figure: unknown key 'author' is ignored "
        "(known keys: base, title, legend, marker, zone, callout)",
        f"{path}:10: marker \"tp1\": unknown key 'colour' is ignored (did you mean 'color'?)",
        f"{path}:4: marker 'tp1' has no zone: no [[zone]] names it in 'for' "
        "(add its pain zone with for = \"tp1\", or remove the marker)",
    ]


@pytest.mark.parametrize("table, shown, hint", [
    ("[[markers]]\nid = \"x\"\n", "[[markers]]: its 1 entry", "did you mean [[marker]]?"),
    ("[[zones]]\nid = \"a\"\n[[zones]]\nid = \"b\"\n", "[[zones]]: its 2 entries", "did you mean [[zone]]?"),
    ("[legends]\nposition = \"top-left\"\n", "[legends]: its keys", "did you mean [legend]?"),
    ("[[things]]\nid = \"x\"\n", "[[things]]: its 1 entry",
     "known tables: [[marker]], [[zone]], [[callout]], [legend]"),
])
def test_unknown_table_is_an_error_even_beside_other_errors(tmp_path, table, shown, hint):
    """Issue 19: [[markers]] lost every marker with only a warning, shown only if nothing failed."""
    path = write_figure(tmp_path, 'base = "base.png"\n' + MARKER + table)
    with pytest.raises(ConfigError) as info:
        load_figure(path)
    assert str(info.value) == f"{path}:9: unknown table {shown} would be left out of the figure ({hint})"
    broken = write_figure(tmp_path, 'base = "base.png"\n' + MARKER.replace("0.3", "3") + table)
    with pytest.raises(BuildErrors) as info:
        load_figure(broken)
    assert any(f"unknown table {shown}" in str(e) for e in info.value.errors)


def test_jpeg_base(tmp_path):
    make_base(tmp_path, "photo.jpg", fmt="JPEG")
    fig = load_figure(write_figure(tmp_path, 'base = "photo.jpg"\n' + MARKER, base=False))
    assert fig.base_format == "JPEG"
    img = render_figure(fig)
    assert img.media_type == "image/jpeg" and img.ext == "jpg"
    assert img.data[:3] == b"\xff\xd8\xff"


def test_base_in_subfolder_is_allowed(tmp_path):
    (tmp_path / "art").mkdir()
    make_base(tmp_path / "art")
    fig = load_figure(write_figure(tmp_path, 'base = "art/base.png"\n', base=False))
    assert fig.base == (tmp_path / "art" / "base.png").resolve()


# --------------------------------------------------------------------------------------
# load_figure: every error, with its exact text
# --------------------------------------------------------------------------------------

ERROR_CASES = {
    "coordinate outside 0..1": (
        MARKER.replace("x = 0.3", "x = 1.4"),
        '{path}:5: marker "tp1": \'x\' = 1.4 is outside 0..1 '
        "(coordinates are fractions of the base image, origin top-left)"),
    "negative coordinate": (
        MARKER.replace("y = 0.5", "y = -0.1"),
        '{path}:6: marker "tp1": \'y\' = -0.1 is outside 0..1 '
        "(coordinates are fractions of the base image, origin top-left)"),
    "callout point outside": (
        CALLOUT.replace("label_at = [0.05, 0.1]", "label_at = [0.05, 2.5]"),
        "{path}:5: callout \"PSIS\": 'label_at' = [0.05, 2.5] is outside 0..1 "
        "(coordinates are fractions of the base image, origin top-left)"),
    "pixels instead of fractions": (
        MARKER.replace("x = 0.3", "x = 150"),
        "{path}:5: marker \"tp1\": 'x' = 150 is outside 0..1 (did you mean pixels? 150 / 200 = 0.75)"),
    "zone point in pixels": (
        MARKER + ESSENTIAL.replace("[0.9, 0.45]", "[0.9, 60]"),
        "{path}:12: zone \"ess\": 'points[2]' = [0.9, 60] is outside 0..1 "
        "(did you mean pixels? 60 / 100 = 0.6)"),
    "polygon point outside": (
        MARKER + ESSENTIAL.replace("[0.9, 0.45]", "[1.9, 0.45]"),
        "{path}:12: zone \"ess\": 'points[2]' = [1.9, 0.45] is outside 0..1 "
        "(coordinates are fractions of the base image, origin top-left)"),
    "duplicate id": (
        MARKER + ESSENTIAL.replace('id = "ess"', 'id = "tp1"'),
        '{path}:10: zone "tp1": id "tp1" is already used by the marker on line 3 '
        "(markers and zones share one id space)"),
    "for names no marker": (
        MARKER + ESSENTIAL.replace('for = "tp1"', 'for = "tp9"'),
        '{path}:14: zone "ess": for = "tp9" names no marker (did you mean "tp1"? markers in this file: tp1)'),
    "too few points": (
        ESSENTIAL.replace('for = "tp1"\n', "").replace(", [0.5, 0.45]]", "]")
        .replace(", [0.9, 0.45]", ""),
        "{path}:5: zone \"ess\": 'points' has 2 points; a zone needs at least 3"),
    "non-numeric point": (
        ESSENTIAL.replace('for = "tp1"\n', "").replace("[0.9, 0.1]", '["a", 0.1]'),
        "{path}:5: zone \"ess\": 'points[1]' must be a pair of numbers [x, y], "
        'not ["a", 0.1]'),
    "point with three numbers": (
        ESSENTIAL.replace('for = "tp1"\n', "").replace("[0.9, 0.1]", "[0.9, 0.1, 3]"),
        "{path}:5: zone \"ess\": 'points[1]' must be a pair of numbers [x, y], "
        "not [0.9, 0.1, 3]"),
    "points not an array": (
        ESSENTIAL.replace('for = "tp1"\n', "").replace(
            "points = [[0.5, 0.1], [0.9, 0.1], [0.9, 0.45], [0.5, 0.45]]", 'points = "box"'),
        "{path}:5: zone \"ess\": 'points' must be an array of [x, y] pairs, "
        'not a string ("box")'),
    "wrong type": (
        MARKER.replace("x = 0.3", 'x = "a"'),
        "{path}:5: marker \"tp1\": 'x' must be a number from 0 to 1, not a string (\"a\")"),
    "boolean is not a number": (
        MARKER.replace("x = 0.3", "x = true"),
        "{path}:5: marker \"tp1\": 'x' must be a number from 0 to 1, not a boolean (true)"),
    "label not a string": (
        MARKER.replace('label = "First point"', "label = 3"),
        "{path}:4: marker \"tp1\": 'label' must be a string, not a number (3)"),
    "unknown kind": (
        ESSENTIAL.replace('for = "tp1"\n', "").replace('"essential"', '"sharp"'),
        '{path}:6: zone "ess": kind = "sharp" is not "essential" or "spillover" '
        "(essential = solid red (main pain), spillover = red stipple)"),
    "missing marker label": (
        MARKER.replace('label = "First point"\n', ""),
        "{path}:2: marker \"tp1\": missing required key 'label'"),
    "missing marker x": (
        MARKER.replace("x = 0.3\n", ""),
        "{path}:2: marker \"tp1\": missing required key 'x'"),
    "missing marker id": (
        MARKER.replace('id = "tp1"\n', ""),
        "{path}:2: marker #1: missing required key 'id'"),
    "missing zone points": (
        '[[zone]]\nid = "z"\n',
        "{path}:2: zone \"z\": missing required key 'points'"),
    "missing zone id": (
        "[[zone]]\npoints = [[0,0],[1,0],[1,1]]\n",
        "{path}:2: zone #1: missing required key 'id'"),
    "missing callout text": (
        "[[callout]]\nat = [0.1, 0.1]\n",
        "{path}:2: callout #1: missing required key 'text'"),
    "missing callout at": (
        '[[callout]]\ntext = "Hip"\n',
        "{path}:2: callout \"Hip\": missing required key 'at'"),
    "bad id": (
        MARKER.replace('id = "tp1"', 'id = "1 tp"'),
        '{path}:3: marker "1 tp": id "1 tp" is not a valid id '
        "(use letters, digits, '-' and '_', starting with a letter)"),
    "marker not an array of tables": (
        "marker = 3\n",
        "{path}:2: 'marker' must be an array of tables, not a number "
        "(write each one under a [[marker]] header)"),
    "bad legend": (
        'legend = "middle"\n',
        '{path}:2: figure: legend = "middle" is not one of "top-left", "top-right", '
        '"bottom-left", "bottom-right", "none"'),
    "bad align": (
        CALLOUT + 'align = "left"\n',
        '{path}:6: callout "PSIS": align = "left" is not one of '
        '"auto", "start", "middle", "end"'),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_load_error_messages(tmp_path, case):
    body, expected = ERROR_CASES[case]
    path = write_figure(tmp_path, 'base = "base.png"' + ("\n" if body.startswith("[") else "\n")
                        + body.lstrip("\n"))
    with pytest.raises(ConfigError) as err:
        load_figure(path)
    assert str(err.value) == expected.format(path=path)
    assert err.value.path == path


BASE_CASES = {
    "missing base key": ("", None, "{path}: figure: missing required key 'base'"),
    "base not a string": ("base = 3\n", None,
                          "{path}:1: figure: 'base' must be a string, not a number (3)"),
    "base not found": ('base = "nope.png"\n', None,
                       '{path}:1: base image "nope.png" not found '
                       '(name a PNG or JPEG file beside the figure file, e.g. base = "drawing.png")'),
    "dot-dot": ('base = "../base.png"\n', None,
                '{path}:1: base = "../base.png" points outside the figure\'s folder '
                '(name a PNG or JPEG file beside the figure file, e.g. base = "drawing.png")'),
    "absolute": ('base = "/etc/passwd"\n', None,
                 '{path}:1: base = "/etc/passwd" points outside the figure\'s folder '
                 '(name a PNG or JPEG file beside the figure file, e.g. base = "drawing.png")'),
    "gif": ('base = "anim.gif"\n', "gif",
            '{path}:1: base image "anim.gif" is GIF, not PNG or JPEG '
            '(name a PNG or JPEG file beside the figure file, e.g. base = "drawing.png")'),
    "not an image": ('base = "fake.png"\n', "text",
                     '{path}:1: base image "fake.png" is not a PNG or JPEG image '
                     '(name a PNG or JPEG file beside the figure file, e.g. base = "drawing.png")'),
    "a folder": ('base = "sub"\n', "dir",
                 '{path}:1: base image "sub" is not a file '
                 '(name a PNG or JPEG file beside the figure file, e.g. base = "drawing.png")'),
    "too many pixels": ('base = "huge.png"\n', "huge",
                        '{path}:1: base image "huge.png" is 2001 x 2000 = 4,002,000 px, '
                        "over the 4,000,000 px limit (scale it down)"),
}


@pytest.mark.parametrize("case", sorted(BASE_CASES))
def test_base_image_errors(tmp_path, case):
    body, setup, expected = BASE_CASES[case]
    folder = tmp_path / "fig"
    folder.mkdir()
    make_base(tmp_path)                                   # outside the figure's folder
    if setup == "gif":
        Image.new("P", (10, 10)).save(folder / "anim.gif")
    elif setup == "text":
        (folder / "fake.png").write_text("not a picture")
    elif setup == "dir":
        (folder / "sub").mkdir()
    elif setup == "huge":
        Image.new("1", (2001, 2000)).save(folder / "huge.png")
    path = folder / "fig.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_figure(path)
    assert str(err.value) == expected.format(path=path)


def test_symlink_out_of_folder_refused(tmp_path):
    folder = tmp_path / "fig"
    folder.mkdir()
    outside = make_base(tmp_path, "secret.png")
    (folder / "base.png").symlink_to(outside)
    path = folder / "fig.toml"
    path.write_text('base = "base.png"\n')
    with pytest.raises(ConfigError) as err:
        load_figure(path)
    assert str(err.value) == (
        f'{path}:1: base = "base.png" points outside the figure\'s folder (through a symlink) '
        '(name a PNG or JPEG file beside the figure file, e.g. base = "drawing.png")')


def test_pixel_limit_checked_before_decoding(tmp_path, monkeypatch):
    """A huge PNG is refused from its header: its pixels are never decoded."""
    folder = tmp_path / "fig"
    folder.mkdir()
    Image.new("1", (4000, 4000)).save(folder / "huge.png")
    path = write_figure(folder, 'base = "huge.png"\n', base=False)
    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("decoded the image"))
    with pytest.raises(ConfigError, match=r"4000 x 4000 = 16,000,000 px, over the 4,000,000"):
        load_figure(path)


def test_malformed_toml(tmp_path):
    path = write_figure(tmp_path, 'base = "base.png"\n[[marker]]\nx = 0.4\ny = \n')
    with pytest.raises(ConfigError) as err:
        load_figure(path)
    assert str(err.value) == (f"{path}:4:5: invalid TOML: invalid value "
                              '(quote text as "...", write lists as [..., ...])')
    assert (err.value.line, err.value.col) == (4, 5)


def test_malformed_toml_at_end(tmp_path):
    path = write_figure(tmp_path, 'base = "base.png"\ntitle = "unterminated\n')
    with pytest.raises(ConfigError) as err:
        load_figure(path)
    assert str(err.value).startswith(f"{path}:")
    assert "invalid TOML: " in str(err.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "fig.toml"
    path.write_bytes(b'base = "base.png"\ntitle = "\xff"\n')
    with pytest.raises(ConfigError) as err:
        load_figure(path)
    assert str(err.value) == f"{path}:2:10: not valid UTF-8 (byte 0xff) (save the file as UTF-8)"


def test_several_errors_reported_together(tmp_path):
    body = ('base = "base.png"\n' + MARKER.replace("x = 0.3", "x = 3.5")
            + ESSENTIAL.replace('"essential"', '"dull"').replace('for = "tp1"', 'for = "nope"'))
    path = write_figure(tmp_path, body)
    with pytest.raises(BuildErrors) as err:
        load_figure(path)
    assert [str(e) for e in err.value.errors] == [
        f"{path}:6: marker \"tp1\": 'x' = 3.5 is outside 0..1 "
        "(coordinates are fractions of the base image, origin top-left)",
        f'{path}:14: zone "ess": kind = "dull" is not "essential" or "spillover" '
        "(essential = solid red (main pain), spillover = red stipple)",
        f'{path}:15: zone "ess": for = "nope" names no marker (markers in this file: none)',
    ]


def test_line_numbers_follow_multiline_arrays(tmp_path):
    body = ('base = "base.png"\n[[zone]]\nid = "a"\npoints = [\n  [0.1, 0.1],\n  [0.5],\n'
            '  [0.2, 0.9],\n]\n[[zone]]\nid = "b"\npoints = [[0,0],[1,0],[1,1]]\nkind = 4\n')
    path = write_figure(tmp_path, body)
    with pytest.raises(BuildErrors) as err:
        load_figure(path)
    assert [e.line for e in err.value.errors] == [4, 12]


# --------------------------------------------------------------------------------------
# render_figure: pixels
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    fig = full_figure(folder)
    return fig, render_figure(fig)


def test_render_size_and_format(rendered):
    fig, img = rendered
    assert (img.width, img.height) == (2048, 1024)
    assert img.media_type == "image/png" and img.ext == "png"
    assert img.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(img.data) <= 1_500_000
    im = Image.open(io.BytesIO(img.data))
    assert im.mode in ("RGB", "P")
    assert "icc_profile" not in im.info and "dpi" not in im.info


def test_png_has_no_metadata_chunks(rendered):
    _, img = rendered
    chunks = set()
    pos = 8
    while pos < len(img.data):
        length = int.from_bytes(img.data[pos:pos + 4], "big")
        chunks.add(img.data[pos + 4:pos + 8])
        pos += 12 + length
    assert chunks <= {b"IHDR", b"PLTE", b"IDAT", b"IEND"}


def test_render_is_deterministic(rendered):
    fig, img = rendered
    assert render_figure(fig).data == img.data


def test_marker_is_dark_at_its_coordinates(rendered):
    fig, img = rendered
    im = decode(img)
    m = fig.markers[0]
    cx, cy = round(m.x * img.width), round(m.y * img.height)
    assert is_dark(im.getpixel((cx, cy)))
    # the X's arms run diagonally; straight above / beside the centre is background
    assert not is_dark(im.getpixel((cx, cy - 40)))
    assert is_dark(im.getpixel((cx + 15, cy + 15))) and is_dark(im.getpixel((cx - 15, cy + 15)))
    # far from the marker there is nothing dark
    assert not is_dark(im.getpixel((cx - 250, cy + 300)))


def test_essential_zone_is_solid_red(rendered):
    _, img = rendered
    im = decode(img)
    seen = set()
    for fx in [0.52 + i * 0.02 for i in range(18)]:
        for fy in [0.13 + j * 0.02 for j in range(15)]:
            px = im.getpixel((round(fx * img.width), round(fy * img.height)))
            assert is_red(px), (fx, fy, px)
            seen.add(px)
    assert len(seen) <= 3                       # one flat colour (allowing for rounding)
    assert not is_red(im.getpixel((round(0.45 * img.width), round(0.3 * img.height))))


def test_spillover_zone_is_stippled(rendered):
    _, img = rendered
    im = decode(img)
    box = (round(0.53 * img.width), round(0.58 * img.height),
           round(0.87 * img.width), round(0.92 * img.height))
    inside = pixels(im.crop(box))
    red = sum(1 for p in inside if is_red(p))
    white = sum(1 for p in inside if min(p) > 235)
    assert 0.08 < red / len(inside) < 0.6, red / len(inside)
    assert white / len(inside) > 0.3
    # every row of the stipple has dots: it is a regular grid, not a few blobs
    rows_with_red = sum(1 for y in range(box[1], box[3], 4)
                        if any(is_red(im.getpixel((x, y))) for x in range(box[0], box[2])))
    assert rows_with_red > 0.3 * len(range(box[1], box[3], 4))


def test_callout_leader_line_is_drawn(rendered):
    fig, img = rendered
    im = decode(img)
    c = fig.callouts[0]
    mid = ((c.at[0] + c.label_at[0]) / 2 * img.width, (c.at[1] + c.label_at[1]) / 2 * img.height)
    assert is_ink(im.getpixel((round(mid[0]), round(mid[1]))))
    assert is_ink(im.getpixel((round(c.at[0] * img.width), round(c.at[1] * img.height))))


def test_legend_drawn_only_when_asked(tmp_path):
    folder_a, folder_b = tmp_path / "a", tmp_path / "b"
    folder_a.mkdir()
    folder_b.mkdir()
    with_legend = load_figure(write_figure(folder_a, 'base = "base.png"\n' + MARKER))
    without = load_figure(write_figure(folder_b, 'base = "base.png"\nlegend = "none"\n' + MARKER))
    a, b = decode(render_figure(with_legend)), decode(render_figure(without))
    corner = (a.width - 300, a.height - 120, a.width - 30, a.height - 40)   # bottom right
    assert any(is_dark(p) for p in pixels(a.crop(corner)))
    assert not any(is_dark(p) for p in pixels(b.crop(corner)))


def test_regions_give_the_same_pixels_as_one_whole_canvas_pass(tmp_path, monkeypatch):
    """Layers are finished region by region; one region covering everything must agree."""
    from booklet.figures import render as figure_render

    make_base(tmp_path, color=(240, 230, 220))
    busy = load_figure(write_figure(tmp_path, 'base = "base.png"\nlegend = "top-right"\n' + MARKER + ESSENTIAL
                                    + SPILLOVER + CALLOUT + CALLOUT.replace("0.2, 0.2", "0.7, 0.3")))
    regions = figure_render._regions
    boxes_seen = []

    def spy(boxes, scale):
        boxes_seen.append(boxes)
        return regions(boxes, scale)

    monkeypatch.setattr(figure_render, "_regions", spy)
    by_region = render_figure(busy).data
    assert len(regions(boxes_seen[0], 2)) >= 2           # the test is about more than one region
    monkeypatch.setattr(figure_render, "_regions", lambda boxes, scale: [(0, 0, 2048, 1024)])
    assert render_figure(busy).data == by_region


def test_regions_are_disjoint_and_cover_every_box():
    from booklet.figures.render import _regions

    boxes = [(0, 0, 10, 10), (9, 9, 20, 20), (40, 0, 50, 5), (100, 100, 101, 103), (48, 3, 60, 8)]
    regions = _regions(boxes, 2)
    for i, a in enumerate(regions):
        for b in regions[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    for x0, y0, x1, y1 in boxes:
        assert any(r[0] * 2 <= x0 and r[1] * 2 <= y0 and x1 <= r[2] * 2 and y1 <= r[3] * 2 for r in regions)
    assert regions == [(0, 0, 10, 10), (20, 0, 30, 4), (50, 50, 51, 52)]


def test_layers_are_composited_only_in_the_grid_cells_they_draw_in():
    from PIL import ImageDraw

    from booklet.figures.layers import Layer
    from booklet.figures.render import CELL, _cells

    image = Image.new("RGBA", (3 * CELL, 2 * CELL), (0, 0, 0, 0))
    ImageDraw.Draw(image).point((CELL + 40, CELL + 2), fill=(200, 30, 30, 1))    # one faint pixel
    ImageDraw.Draw(image).point((10, 5), fill=(200, 30, 30, 255))
    layer = Layer((CELL + 6, 4, 4 * CELL + 6, 2 * CELL + 4), image)
    cells = _cells(layer)
    # The grid is fixed to the canvas, not to the layer: cells start at multiples of CELL.
    assert cells == [(CELL + 6, 4, 2 * CELL, CELL), (2 * CELL, CELL, 3 * CELL, 2 * CELL)]
    assert _cells(Layer((0, 0, 8, 8), paint=lambda draw, origin: None)) == [(0, 0, 8, 8)]


def test_an_edited_base_is_decoded_again(tmp_path):
    make_base(tmp_path, color=(255, 255, 255))
    fig = load_figure(write_figure(tmp_path, 'base = "base.png"\nlegend = "none"\n'))
    assert decode(render_figure(fig)).getpixel((5, 5)) == (255, 255, 255)
    make_base(tmp_path, size=(200, 100), color=(0, 0, 255))
    assert decode(render_figure(fig)).getpixel((5, 5)) == (0, 0, 255)


def test_output_size_limits():
    assert output_size((200, 100)) == (2048, 1024)
    assert output_size((1536, 2048)) == (1536, 2048)
    assert output_size((3000, 1000)) == (2048, 683)
    for size in [(100, 100), (1, 1), (1999, 2001), (2048, 2048), (37, 1000), (1000, 37),
                 (1000, 999), (3, 2)]:
        w, h = output_size(size)
        assert w * h <= 4_000_000, size
        assert max(w, h) <= 2048
        assert max(w, h) >= 1990, size                # ~2048 on the long side
    assert output_size((100, 100)) == (2000, 2000)


def test_square_render_stays_under_pixel_limit(tmp_path):
    make_base(tmp_path, size=(300, 300))
    img = render_figure(load_figure(write_figure(tmp_path, 'base = "base.png"\n' + MARKER)))
    assert img.width * img.height <= 4_000_000
    assert (img.width, img.height) == (2000, 2000)


def test_transparent_base_is_flattened_onto_white(tmp_path):
    Image.new("RGBA", (100, 100), (0, 0, 0, 0)).save(tmp_path / "base.png")
    img = render_figure(load_figure(write_figure(tmp_path, 'base = "base.png"\nlegend = false\n')))
    assert decode(img).getpixel((1000, 1000)) == (255, 255, 255)


def test_interior_point_of_concave_polygon():
    # a U shape: its centroid lies in the empty middle
    u = [(0.1, 0.1), (0.3, 0.1), (0.3, 0.7), (0.7, 0.7), (0.7, 0.1), (0.9, 0.1),
         (0.9, 0.9), (0.1, 0.9)]
    x, y = interior_point(u)
    assert point_in_polygon(x, y, u)
    square = [(0.2, 0.2), (0.6, 0.2), (0.6, 0.6), (0.2, 0.6)]
    assert interior_point(square) == pytest.approx((0.4, 0.4))


def test_font_path_uses_shipped_lato():
    path = font_path("Lato-Regular.ttf")
    assert path == ROOT / "templates" / "fonts" / "Lato-Regular.ttf"
    assert path.read_bytes()[:4] in (b"\x00\x01\x00\x00", b"true", b"OTTO")


# --------------------------------------------------------------------------------------
# figure_markup
# --------------------------------------------------------------------------------------


def parse_fragment(html: str, asides: list[str]) -> ET.Element:
    wrapped = (f'<div xmlns="{XHTML_NS}" xmlns:epub="{EPUB_NS}">' + html + "".join(asides)
               + "</div>")
    return ET.fromstring(wrapped)


def q(name: str) -> str:
    return f"{{{XHTML_NS}}}{name}"


def test_markup_structure(tmp_path):
    fig = full_figure(tmp_path)
    html, asides = figure_markup(fig, image_href="images/fig.png", width=2048, height=1024,
                                 alt="A pelvis", caption="Figure 1. Test", id_prefix="fig-t")
    root = parse_fragment(html, asides)
    figure = root.find(q("figure"))
    assert figure.get("class") == "tp-figure" and figure.get("id") == "fig-t"
    img = figure.find(f".//{q('img')}")
    assert (img.get("src"), img.get("alt"), img.get("width"), img.get("height")) == \
        ("images/fig.png", "A pelvis", "2048", "1024")
    taps = figure.findall(f".//{q('a')}")
    assert len(taps) == len(fig.markers) + len(fig.zones) == 3
    aside_ids = [a.get("id") for a in root.findall(q("aside"))]
    assert [t.get("href") for t in taps] == ["#" + i for i in aside_ids]
    assert aside_ids == ["fig-t-tp1", "fig-t-ess", "fig-t-spill"]
    for tap in taps:
        assert tap.get(f"{{{EPUB_NS}}}type") == "noteref"
        assert tap.get("role") == "doc-noteref"
        assert "tap" in tap.get("class").split()
        assert tap.get("aria-label")
        assert re.fullmatch(r"left:\d+\.\d%;top:\d+\.\d%", tap.get("style"))
    assert taps[0].get("style") == "left:30.0%;top:50.0%"
    assert taps[1].get("style") == "left:70.0%;top:27.5%"           # inside the zone
    for aside in root.findall(q("aside")):
        assert aside.get(f"{{{EPUB_NS}}}type") == "footnote"
        assert aside.get("role") == "doc-footnote"
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", aside.get("id"))
    assert "".join(root.find(q("aside")).find(q("p")).itertext()).startswith("First point (trigger point). ")
    svg = figure.find(f".//{{{SVG_NS}}}svg")
    assert svg.get("viewBox") == "0 0 2048 1024" and svg.get("aria-hidden") == "true"
    assert "PSIS" in [t.text for t in svg.iter(f"{{{SVG_NS}}}text")]
    # The key is the asides themselves, placed after the figure (issue 17); the labels stay inside.
    assert [a.find(q("p")).find(q("strong")).text for a in root.findall(q("aside"))] == [
        "First point", "Main pain", "Spread"]
    assert figure.find(q("p")).get("class") == "key-labels"
    assert figure.find(q("figcaption")).text == "Figure 1. Test"
    assert list(figure)[-1].tag == q("figcaption")      # HTML allows it first or last only


def test_markup_without_caption_or_callouts(tmp_path):
    fig = load_figure(write_figure(tmp_path, 'base = "base.png"\n' + MARKER))
    html, asides = figure_markup(fig, "x.png", 10, 20, alt="", caption=None, id_prefix="f")
    root = parse_fragment(html, asides)
    assert root.find(f".//{q('figcaption')}") is None
    assert root.find(f".//{{{SVG_NS}}}svg") is None
    assert len(asides) == 1


def test_markup_escapes_text(tmp_path):
    body = ('base = "base.png"\n[[marker]]\nid = "m"\nlabel = "<b>A & B</b>"\nx = 0.5\ny = 0.5\n'
            'note = "1 < 2 \\"quoted\\""\n[[callout]]\ntext = "x<y"\nat = [0.1, 0.1]\n')
    fig = load_figure(write_figure(tmp_path, body))
    html, asides = figure_markup(fig, 'a".png', 100, 100, alt='"alt" & <more>',
                                 caption="<script>", id_prefix="f")
    root = parse_fragment(html, asides)
    assert root.find(f".//{q('img')}").get("alt") == '"alt" & <more>'
    assert root.find(f".//{q('img')}").get("src") == 'a".png'
    assert root.find(f".//{q('figcaption')}").text == "<script>"
    assert root.find(f".//{q('a')}").get("aria-label") == "<b>A & B</b> (trigger point)"
    assert "".join(root.find(q("aside")).itertext()) == '<b>A & B</b> (trigger point). 1 < 2 "quoted"'
    assert root.find(f".//{q('script')}") is None


def test_markup_cleans_id_prefix(tmp_path):
    fig = load_figure(write_figure(tmp_path, 'base = "base.png"\n' + MARKER))
    html, asides = figure_markup(fig, "x.png", 10, 10, alt="a", id_prefix="fig-Hip figure.2")
    assert 'id="fig-Hip-figure-2"' in html and 'href="#fig-Hip-figure-2-tp1"' in html
    assert 'id="fig-Hip-figure-2-tp1"' in asides[0]
    html, _ = figure_markup(fig, "x.png", 10, 10, alt="a", id_prefix="2nd")
    assert 'id="fig-2nd"' in html


# --------------------------------------------------------------------------------------
# The project's own figures
# --------------------------------------------------------------------------------------

FIGURES = sorted((ROOT / "images").glob("*/*.toml"))


def test_project_figures_exist():
    names = {f"{p.parent.name}/{p.name}" for p in FIGURES}
    assert {"gluteus-medius/anatomy.toml", "gluteus-medius/tp-medial.toml",
            "gluteus-medius/tp-middle.toml", "gluteus-medius/tp-lateral.toml",
            "gluteus-medius/overview.toml", "quadratus-lumborum/ql-anatomy.toml",
            "quadratus-lumborum/ql-superficial.toml", "quadratus-lumborum/ql-deep.toml",
            "quadratus-lumborum/ql-overview.toml"} <= names


@pytest.mark.parametrize("path", FIGURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_project_figure_renders_within_limits(path):
    fig = load_figure(path)
    assert fig.warnings == []
    img = render_figure(fig)
    assert img.width * img.height <= 4_000_000 and max(img.width, img.height) == 2048
    assert len(img.data) <= 1_500_000
    html, asides = figure_markup(fig, "images/x.png", img.width, img.height, alt="x",
                                 id_prefix="fig-x")
    parse_fragment(html, asides)


@pytest.mark.parametrize("path", FIGURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_project_tap_targets_do_not_overlap(path):
    """Shown 600 CSS px wide, no two 44 px tap targets cover each other."""
    fig = load_figure(path)
    width, height = output_size(fig.base_size)
    html, _ = figure_markup(fig, "x.png", width, height, alt="x", id_prefix="f")
    spots = [(float(x), float(y)) for x, y in re.findall(r"left:([\d.]+)%;top:([\d.]+)%", html)]
    css_height = 600 * height / width
    for (x1, y1), (x2, y2) in itertools.combinations(spots, 2):
        apart = max(abs(x1 - x2) / 100 * 600, abs(y1 - y2) / 100 * css_height)
        assert apart >= 44, ((x1, y1), (x2, y2))


PLAIN_IMAGES = ["gluteus-medius/posterior-pelvis.png", "quadratus-lumborum/posterior-lumbar.png",
                "gluteus-medius/video-poster.png", "gluteus-medius/ball-wall.png",
                "gluteus-medius/ball-floor.png", "gluteus-medius/stretch.png",
                "gluteus-medius/ball-wall-side.png", "gluteus-medius/lateral-pelvis.png",
                "quadratus-lumborum/video-poster.png"]


@pytest.mark.parametrize("name", PLAIN_IMAGES)
def test_drawn_images_within_limits(name):
    path = ROOT / "images" / name
    assert path.stat().st_size <= 1_500_000
    with Image.open(path) as im:
        assert im.format == "PNG" and im.mode == "RGB"
        assert im.width * im.height <= 4_000_000
        assert "icc_profile" not in im.info


def test_golden_overview_markup():
    fig = load_figure(ROOT / "images" / "gluteus-medius" / "overview.toml")
    width, height = output_size(fig.base_size)
    html, asides = figure_markup(
        fig, image_href="images/overview.png", width=width, height=height,
        alt="Pelvis from behind with the three gluteus medius trigger points and the areas "
            "where each one refers pain",
        caption="Gluteus medius trigger points and their referred pain",
        id_prefix="fig-overview")
    actual = html + "\n\n" + "\n".join(asides) + "\n"
    if os.environ.get("BOOKLET_SAVE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(actual, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            "golden/figure-overview.xhtml", "actual"))
        pytest.fail("figure markup differs from the golden file "
                    "(BOOKLET_SAVE_GOLDEN=1 to accept):\n" + diff)


def test_palette_png_keeps_thin_lines_of_their_own_colour():
    """The palette comes from a sample of rows and columns; one-pixel lines off the sampled
    rows and columns must still keep their colour exactly."""
    from PIL import ImageDraw

    from booklet.figures.imaging import SAMPLE_STEP, palette_png

    image = Image.new("RGB", (300, 200), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.line([(0, SAMPLE_STEP + 1), (299, SAMPLE_STEP + 1)], fill=(0, 90, 255))      # horizontal
    draw.line([(2 * SAMPLE_STEP + 2, 0), (2 * SAMPLE_STEP + 2, 199)], fill=(0, 200, 40))  # vertical
    for i in range(300):                                   # a smooth ramp: more colours than 256
        draw.line([(i, 120), (i, 199)], fill=(i * 255 // 299, 40, 255 - i * 255 // 299))
    back = Image.open(io.BytesIO(palette_png(image)))
    assert back.mode == "P"
    back = back.convert("RGB")
    assert back.getpixel((50, SAMPLE_STEP + 1)) == (0, 90, 255)
    assert back.getpixel((2 * SAMPLE_STEP + 2, 60)) == (0, 200, 40)
    worst = max(max(abs(a - b) for a, b in zip(back.getpixel((x, 150)), image.getpixel((x, 150))))
                for x in range(300))
    assert worst <= 12                                      # the ramp is banded, not broken

"""The figure-file keys of issues 16 and 19: numbered and coloured points, smooth zones."""
from __future__ import annotations

import re

import pytest

from booklet.errors import ConfigError
from booklet.figures import figure_markup, load_figure, render_figure
from booklet.figures.geometry import interior_point, point_in_polygon, zone_outline
from tests.test_figures import decode, is_dark, is_red, make_base, pixels, write_figure

BLUE = (31, 119, 180)

POINTS = """
[[marker]]
id = "one"
label = "Upper point"
x = 0.25
y = 0.3
number = 1
color = "#1f77b4"

[[marker]]
id = "two"
label = "Lower point"
x = 0.25
y = 0.75

[[zone]]
id = "one-ess"
for = "one"
points = [[0.45, 0.1], [0.7, 0.1], [0.7, 0.45], [0.45, 0.45]]

[[zone]]
id = "one-spill"
for = "one"
kind = "spillover"
points = [[0.45, 0.55], [0.7, 0.55], [0.7, 0.95], [0.45, 0.95]]

[[zone]]
id = "two-ess"
for = "two"
points = [[0.75, 0.1], [0.95, 0.1], [0.95, 0.45], [0.75, 0.45]]
"""


def is_blue(px) -> bool:
    r, g, b = px
    return b > r + 60 and b > 120


@pytest.fixture(scope="module")
def numbered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("numbered")
    make_base(folder, size=(400, 400))
    fig = load_figure(write_figure(folder, 'base = "base.png"\nlegend = "bottom-left"\n' + POINTS))
    return fig, decode(render_figure(fig))


def test_number_and_color_are_read(numbered):
    fig, _ = numbered
    assert [(m.number, m.color) for m in fig.markers] == [(1, BLUE), (None, None)]
    assert fig.warnings == []


def test_numbered_marker_is_a_dark_disc_with_a_white_numeral_ringed_in_its_hue(numbered):
    _, im = numbered
    cx, cy = round(0.25 * im.width), round(0.3 * im.height)
    disc = [im.getpixel((cx + dx, cy + dy)) for dx in range(-28, 29, 4) for dy in range(-28, 29, 4)]
    assert sum(is_dark(p) for p in disc) > len(disc) // 2          # the disc
    assert any(min(p) > 200 for p in disc)                           # the white numeral inside it
    ring = im.getpixel((cx + 33, cy))                                # 30..37 px out: the hue
    assert is_blue(ring), ring
    # the unnumbered marker keeps its X: dark on the diagonal, background straight above
    x2, y2 = round(0.25 * im.width), round(0.75 * im.height)
    assert is_dark(im.getpixel((x2 + 15, y2 + 15))) and not is_dark(im.getpixel((x2, y2 - 40)))


def test_zones_take_their_markers_hue_and_keep_solid_versus_stipple(numbered):
    _, im = numbered
    w, h = im.size
    essential = [im.getpixel((round(fx * w), round(fy * h))) for fx in (0.5, 0.55, 0.6, 0.65)
                 for fy in (0.15, 0.25, 0.35, 0.4)]
    assert all(is_blue(p) for p in essential), essential              # solid blue tint
    spill = [im.getpixel((x, y)) for x in range(round(0.47 * w), round(0.68 * w))
             for y in range(round(0.6 * h), round(0.9 * h))]
    blue = sum(is_blue(p) for p in spill)
    white = sum(min(p) > 240 for p in spill)
    assert blue > 0.05 * len(spill) and white > 0.4 * len(spill)     # blue dots on the base
    assert not any(is_red(p) for p in spill)
    other = im.getpixel((round(0.85 * w), round(0.25 * h)))           # a zone of a marker without color
    assert is_red(other), other


def test_legend_has_a_line_per_numbered_point(numbered, tmp_path):
    fig, im = numbered
    legend = im.crop((0, round(0.6 * im.height), round(0.45 * im.width), im.height))
    assert any(is_blue(p) for p in pixels(legend))                  # the point's swatch
    plain = load_figure(write_figure(tmp_path, 'base = "base.png"\nlegend = "bottom-left"\n'
                                     + re.sub(r'number = 1\ncolor = "#1f77b4"\n', "", POINTS)))
    from booklet.figures.legend import legend_entries
    assert [e[0] for e in legend_entries(plain)] == ["essential", "spillover", "marker"]
    assert [(e[0], e[1]) for e in legend_entries(fig)] == [
        ("essential", "Essential referred pain"), ("spillover", "Spillover referred pain"),
        ("marker", "Trigger point"), ("point", "Upper point")]


def test_key_and_tap_name_show_the_number(numbered):
    fig, im = numbered
    html, _ = figure_markup(fig, "x.png", im.width, im.height, alt="x", id_prefix="f")
    assert '<dt class="key-marker"><span class="key-number">1</span> Upper point' in html
    assert 'aria-label="1: Upper point (trigger point)"' in html


@pytest.mark.parametrize("entry, message", [
    ("number = 0", 'number = 0 is not a whole number from 1 to 99'),
    ("number = 1.5", 'number = 1.5 is not a whole number from 1 to 99'),
    ('color = "blue"', 'color = "blue" is not a colour written "#rrggbb"'),
    ('color = "#12345"', 'color = "#12345" is not a colour written "#rrggbb"'),
])
def test_bad_number_or_color_is_an_error(tmp_path, entry, message):
    path = write_figure(tmp_path, 'base = "base.png"\n[[marker]]\nid = "m"\nlabel = "M"\nx = 0.5\ny = 0.5\n'
                        + entry + "\n")
    with pytest.raises(ConfigError, match=re.escape(f"fig.toml:7: marker \"m\": {message}")):
        load_figure(path)


# -- smooth zones ---------------------------------------------------------------------

SQUARE = '[[zone]]\nid = "z"\npoints = [[0.3, 0.3], [0.7, 0.3], [0.7, 0.7], [0.3, 0.7]]\n'


def test_smooth_curve_passes_through_every_point_and_closes():
    points = ((0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7))
    outline = zone_outline(points, smooth=True)
    assert len(outline) == 16 * 4
    for p in points:
        assert p in outline
    assert zone_outline(points) == points


def test_smooth_zone_is_the_same_curve_in_raster_and_tap_layer(tmp_path):
    make_base(tmp_path, size=(400, 400))
    straight = load_figure(write_figure(tmp_path, 'base = "base.png"\n' + SQUARE, name="a.toml"))
    smooth = load_figure(write_figure(tmp_path, 'base = "base.png"\n' + SQUARE + "smooth = true\n",
                                      name="b.toml"))
    a, b = decode(render_figure(straight)), decode(render_figure(smooth))
    w = a.width
    bulge = (round(0.5 * w), round(0.27 * w))        # outside the square's top edge, inside the curve
    assert not is_red(a.getpixel(bulge)) and is_red(b.getpixel(bulge))
    assert point_in_polygon(0.5, 0.27, smooth.zones[0].outline)
    # the tap layer is placed on the same outline the raster filled
    html, _ = figure_markup(smooth, "x.png", w, w, alt="x", id_prefix="f")
    x, y = interior_point(smooth.zones[0].outline)
    assert f"left:{x * 100:.1f}%;top:{y * 100:.1f}%" in html
    assert is_red(b.getpixel((round(x * w), round(y * w))))


def test_smooth_must_be_a_boolean(tmp_path):
    path = write_figure(tmp_path, 'base = "base.png"\n' + SQUARE + 'smooth = "yes"\n')
    with pytest.raises(ConfigError, match=re.escape('zone "z": smooth = "yes" is not true or false')):
        load_figure(path)

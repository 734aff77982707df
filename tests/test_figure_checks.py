"""Figure checks that catch what authors get wrong (issue 19 item 4), beyond the golden cases."""
from __future__ import annotations

from booklet.figures import load_figure
from booklet.figures.checks import legend_rect
from tests.test_figures import make_base, write_figure

MARKER = '[[marker]]\nid = "m"\nlabel = "M"\nx = {x}\ny = {y}\n'
ZONE = '[[zone]]\nid = "z"\nfor = "m"\npoints = {points}\n'


def figure(tmp_path, legend: str, x=0.2, y=0.2, points="[[0.1, 0.1], [0.3, 0.1], [0.3, 0.3]]"):
    make_base(tmp_path, size=(400, 400))
    return load_figure(write_figure(tmp_path, f'base = "base.png"\nlegend = "{legend}"\n'
                                    + MARKER.format(x=x, y=y) + ZONE.format(points=points)))


def test_legend_rect_is_in_its_corner(tmp_path):
    x0, y0, x1, y1 = legend_rect(figure(tmp_path, "bottom-right"))
    assert 0.5 < x0 < x1 < 1 and 0.8 < y0 < y1 < 1
    assert legend_rect(figure(tmp_path, "none")) is None


def test_a_zone_under_the_legend_is_reported_even_with_no_vertex_inside(tmp_path):
    # a big triangle whose edges cross the top-left legend, none of its points inside it
    fig = figure(tmp_path, "top-left", x=0.6, y=0.6, points="[[0.0, 0.06], [0.95, 0.06], [0.95, 0.9]]")
    assert [w.split(": ", 1)[1] for w in fig.warnings] == [
        "the legend (top-left) covers part of zone 'z' "
        '(put it in another corner, e.g. legend = "bottom-right", or set legend = "none")']


def test_nothing_under_the_legend_gives_no_warning(tmp_path):
    assert figure(tmp_path, "bottom-right").warnings == []


def test_markers_far_enough_apart_give_no_warning(tmp_path):
    make_base(tmp_path, size=(400, 400))
    body = 'base = "base.png"\nlegend = "none"\n'
    for i, x in enumerate((0.2, 0.26)):         # 49 px apart at 820 px: just clear of 44
        body += MARKER.format(x=x, y=0.5).replace('"m"', f'"m{i}"')
        body += ZONE.format(points="[[0.1, 0.1], [0.3, 0.1], [0.3, 0.3]]").replace('"m"', f'"m{i}"') \
            .replace('"z"', f'"z{i}"')
    assert load_figure(write_figure(tmp_path, body)).warnings == []
    closer = body.replace("x = 0.26", "x = 0.25")     # 41 px
    assert "tap targets overlap" in load_figure(write_figure(tmp_path, closer, name="b.toml")).warnings[0]

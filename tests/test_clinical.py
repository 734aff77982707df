"""Clinical safety of the booklets (issue 16): the shared safety page, its emergency line, the figures."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from booklet.errors import Report
from booklet.figures import load_figure, render_figure
from booklet.incremental.stamps import booklet_stamp
from booklet.model import safety_path
from booklet.pipeline import BuildOptions, build
from booklet.read.reader import find_slugs, read_booklet
from booklet.scaffold import NewBooklet, create_booklet

from conftest import REPO, SHIPPED

OPF = {"opf": "http://www.idpf.org/2007/opf"}
XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
# What the emergency line must say: the signs of a squeezed cauda equina, and where to go.
EMERGENCY = ("emergency department", "bladder", "bowel", "saddle", "both legs")


def _spine_and_toc(epub: Path) -> tuple[list[str], list[str]]:
    """The spine's document hrefs in order, and the hrefs of the contents' top-level entries."""
    with zipfile.ZipFile(epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
    hrefs = {item.get("id"): item.get("href") for item in opf.iterfind(".//opf:manifest/opf:item", OPF)}
    spine = [hrefs[ref.get("idref")] for ref in opf.iterfind(".//opf:spine/opf:itemref", OPF)]
    toc = nav.find(".//x:nav[@epub:type='toc']", XHTML)
    entries = [a.get("href") for a in toc.iterfind("x:ol/x:li/x:a", XHTML)]
    return spine, entries


def _assert_safety_after_contents(epub: Path) -> None:
    spine, entries = _spine_and_toc(epub)
    assert spine.index("safety.xhtml") == spine.index("nav.xhtml") + 1, spine
    assert spine.index("safety.xhtml") < spine.index("chapter-01.xhtml")
    assert entries.index("safety.xhtml") < entries.index("chapter-01.xhtml"), entries
    assert [e for e in entries if e.startswith("chapter-")][0] == "chapter-01.xhtml"


def _page_text(epub: Path, name: str) -> str:
    with zipfile.ZipFile(epub) as archive:
        tree = etree.fromstring(archive.read(f"EPUB/{name}"))
    return " ".join("".join(tree.itertext()).split())


@pytest.mark.parametrize("slug", SHIPPED)
def test_safety_page_comes_right_after_the_contents(shipped_epubs, slug):
    _assert_safety_after_contents(shipped_epubs[slug])


@pytest.mark.parametrize("slug", SHIPPED)
def test_every_booklet_carries_the_emergency_line(shipped_epubs, slug):
    text = _page_text(shipped_epubs[slug], "safety.xhtml")
    for words in EMERGENCY:
        assert words in text, words
    with zipfile.ZipFile(shipped_epubs[slug]) as archive:
        body = etree.fromstring(archive.read("EPUB/safety.xhtml")).find("x:body", XHTML)
    assert body.get("{http://www.idpf.org/2007/ops}type") == "frontmatter"   # not counted as a chapter


def test_the_series_folder_is_not_a_booklet():
    assert "_series" not in find_slugs(REPO)
    assert safety_path(REPO).is_file()
    assert set(SHIPPED) <= set(find_slugs(REPO))


def test_editing_the_safety_page_makes_every_booklet_stale():
    for slug in SHIPPED:
        assert str(safety_path(REPO)) in booklet_stamp(REPO, slug)


def test_new_booklet_gets_the_safety_page_after_its_contents(tmp_path):
    root = tmp_path / "root"
    made = create_booklet(NewBooklet("piriformis", root))
    assert Path("chapters/_series/safety.md") in made
    text = safety_path(root).read_text(encoding="utf-8")
    for words in EMERGENCY:
        assert words in text, words
    results = build(BuildOptions(root=root, out=tmp_path / "out", validate=False, cache=False))
    assert results[0].epub, [str(e) for e in results[0].errors]
    _assert_safety_after_contents(results[0].epub)
    assert "emergency department" in _page_text(results[0].epub, "safety.xhtml")


def test_a_second_new_booklet_keeps_the_roots_own_safety_page(tmp_path):
    root = tmp_path / "root"
    create_booklet(NewBooklet("piriformis", root))
    safety_path(root).write_text("# Safety\n\nOur own words. Emergency department.\n", encoding="utf-8")
    made = create_booklet(NewBooklet("psoas", root))
    assert Path("chapters/_series/safety.md") not in made
    assert "Our own words" in safety_path(root).read_text(encoding="utf-8")
    booklet = read_booklet(root, "psoas", Report())
    assert booklet.safety is not None and booklet.safety.title == "Safety"


def test_a_root_without_a_safety_page_still_builds(tmp_path):
    from conftest import make_root

    root = make_root(tmp_path, {"01-a.md": "# A\n\nText.\n"})
    results = build(BuildOptions(root=root, out=tmp_path / "out", validate=False, cache=False))
    spine, _ = _spine_and_toc(results[0].epub)
    assert "safety.xhtml" not in spine


# --- figures: the middle gluteus medius trigger point (issue 16, item 5) ---------------------

def _render(name: str) -> tuple[Image.Image, object]:
    fig = load_figure(REPO / "images" / "gluteus-medius" / name)
    return Image.open(io.BytesIO(render_figure(fig).data)).convert("RGB"), fig


def _is_red(pixel) -> bool:
    """A pain-zone red: red well above green and blue (the drawing itself is beige, pink or grey)."""
    r, g, b = pixel
    return r - g > 60 and r - b > 60


def _red_share(image: Image.Image, box) -> float:
    """Share of red pixels in *box*, given as fractions (left, top, right, bottom) of the image."""
    w, h = image.size
    crop = image.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
    data = crop.tobytes()
    pixels = list(zip(data[0::3], data[1::3], data[2::3]))
    return sum(_is_red(p) for p in pixels) / len(pixels)


def _plain() -> Image.Image:
    return Image.open(REPO / "images" / "gluteus-medius" / "posterior-pelvis.png").convert("RGB")


def test_middle_point_refers_into_the_middle_of_the_buttock_below_it():
    image, fig = _render("tp-middle.toml")
    marker = fig.markers[0]
    below = (marker.x - 0.03, marker.y + 0.12, marker.x + 0.03, marker.y + 0.24)   # mid-buttock, under the point
    assert _red_share(image, below) > 0.8
    assert _red_share(_plain(), below) < 0.05           # the red is the zone's, not the drawing's
    essential = [z for z in fig.zones if z.kind == "essential"]
    assert any("buttock" in z.label.lower() for z in essential)


def test_middle_point_spills_over_onto_the_back_of_the_upper_thigh():
    image, fig = _render("tp-middle.toml")
    thigh = (0.70, 0.70, 0.78, 0.78)                    # back of the upper thigh, below the buttock crease
    assert 0.1 < _red_share(image, thigh) < 0.8        # a stipple or hatch, lighter than the essential zone
    assert _red_share(_plain(), thigh) < 0.05
    spill = [z for z in fig.zones if z.kind == "spillover"]
    assert any("back of the upper thigh" in z.label.lower() for z in spill)
    side = (0.10, 0.70, 0.30, 0.78)                     # the other thigh stays clear
    assert _red_share(image, side) < 0.01


def test_middle_point_no_longer_points_outward_to_the_side_of_the_hip():
    for name in ("tp-middle.toml", "overview.toml"):
        text = (REPO / "images" / "gluteus-medius" / name).read_text(encoding="utf-8")
        assert "toward the side of the hip" not in text and "outward" not in text


# --- the anatomy figure: tappable landmarks, labelled on the trigger point side (item 11) -------

def test_anatomy_landmarks_are_tappable_and_never_called_trigger_points():
    from booklet.figures.markup import figure_markup

    fig = load_figure(REPO / "images" / "gluteus-medius" / "anatomy.toml")
    html, asides = figure_markup(fig, "x.png", 1536, 2048, alt="x", id_prefix="f")
    key = "".join(asides)                               # the key: footnote asides after the figure
    assert "trigger point)" not in html + key           # a patient would press on it
    assert html.count("(landmark)") == len(fig.markers) >= 7    # each tap target
    assert key.count("(landmark)") == len(fig.markers)          # each entry of the key
    assert all(m.note and "find" not in m.label for m in fig.markers)
    assert "ASIS (front)" in {m.label for m in fig.markers}
    side = {m.id: m.x for m in fig.markers if m.id != "lm-sacrum"}
    assert min(side.values()) > 0.5                     # on the side of the trigger points
    assert all(c.label_at[0] > 0.5 or c.text == "Sacrum" for c in fig.callouts)


def test_the_starter_safety_page_fits_any_muscle():
    """A booklet on a shoulder muscle gets the same red flags, without words about the pelvis."""
    text = (REPO / "booklet" / "starter" / "safety.md").read_text(encoding="utf-8").lower()
    for words in EMERGENCY:
        assert words in text, words
    for word in ("pelvis", "iliac", "sacrum", "buttock", "thigh", "gluteus"):
        assert word not in text, word
# --- overview figures: each point numbered, with a hue of its own (items 10) -----------------

@pytest.mark.parametrize("name", ["gluteus-medius/overview.toml", "quadratus-lumborum/ql-overview.toml"])
def test_overview_points_are_numbered_and_told_apart_by_hue(name):
    import tomllib

    data = tomllib.loads((REPO / "images" / name).read_text(encoding="utf-8"))
    markers = data["marker"]
    assert [m["number"] for m in markers] == list(range(1, len(markers) + 1))
    assert len({m["color"].lower() for m in markers}) == len(markers)
    ids = {m["id"] for m in markers}
    assert all(z.get("for") in ids for z in data["zone"])      # every zone takes a point's hue

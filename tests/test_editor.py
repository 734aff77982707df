"""The figure editor in the studio (issue 19 item 1): edits keep the file's text, refusals keep the file.

The browser tests run one studio on a copy of the repository's root and one headless
Chromium (/usr/bin/chromium) for the module, as tests/test_studio.py does; a missing
Chromium fails them. The rest drives the server side directly.
"""
from __future__ import annotations

import difflib
import http.client
import io
import json
import re
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image

from booklet.figures import load_figure
from booklet.publish.web import WebServer, bind
from booklet.studio.app import make_app
from conftest import running_studio, studio_epub
from booklet.studio.editor import FigureEditor, figure_file
from booklet.studio.figdoc import Refused, apply_ops
from booklet.studio.session import Studio
from booklet.studio.watch import start_watching

REPO = Path(__file__).resolve().parent.parent
SLUG = "gluteus-medius"
WAIT = 30.0

COMMENTED = '''# A figure with comments everywhere.
base = "pelvis.png"   # the drawing
legend = "top-right"

[[marker]]
id = "a"                        # first point
label = "A"
x = 0.40                        # across
y = 0.30   # down
note = "Note A."

[[zone]]
id = "za"
for = "a"
points = [[0.30, 0.40], [0.50, 0.40], [0.40, 0.55]]   # three corners

[[callout]]
text = "Crest"
at = [0.60, 0.20]
label_at = [0.80, 0.10]
'''


@pytest.fixture
def folder(tmp_path):
    """ROOT/images/demo/ with a base drawing and COMMENTED as fig.toml."""
    images = tmp_path / "root" / "images" / "demo"
    images.mkdir(parents=True)
    Image.new("RGB", (300, 400), (250, 247, 241)).save(images / "pelvis.png")
    (images / "fig.toml").write_text(COMMENTED, encoding="utf-8")
    return images


def comments(text: str) -> list[str]:
    """The comments of a TOML text (none of its strings has a '#')."""
    return [line[line.index("#"):] for line in text.splitlines() if "#" in line]


def changed_lines(before: str, after: str) -> list[str]:
    """The removed and added lines, sorted."""
    return sorted(line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-")


# --- the text of the file ----------------------------------------------------------------------

def test_a_moved_marker_changes_only_its_x_and_y_rounded_to_3_decimals():
    ops = [{"op": "set", "table": "marker", "index": 0, "key": "x", "value": 0.123456},
           {"op": "set", "table": "marker", "index": 0, "key": "y", "value": 0.9}]
    after = apply_ops(COMMENTED, ops)
    assert changed_lines(COMMENTED, after) == sorted([
        "- x = 0.40                        # across", "- y = 0.30   # down",
        "+ x = 0.123                        # across", "+ y = 0.9   # down"])


def test_points_added_entries_and_removals_keep_the_rest_of_the_file():
    after = apply_ops(COMMENTED, [
        {"op": "set", "table": "zone", "index": 0, "key": "points",
         "value": [[0.3, 0.4], [0.45, 0.38], [0.5, 0.4], [0.4, 0.55555]]},
        {"op": "add", "table": "zone", "value": {"id": "zb", "for": "a", "kind": None,
                                                 "points": [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2], [0.1, 0.2]],
                                                 "smooth": True}},
        {"op": "remove", "table": "callout", "index": 0}])
    assert "points = [[0.3, 0.4], [0.45, 0.38], [0.5, 0.4], [0.4, 0.556]]   # three corners" in after
    assert '[[zone]]\nid = "zb"\nfor = "a"\npoints = [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2], [0.1, 0.2]]\nsmooth = true\n' in after
    assert "kind" not in after and "Crest" not in after and "[[callout]]" not in after
    assert after.endswith("smooth = true\n")          # no blank line left at the end of the file
    untouched = COMMENTED.split("[[zone]]")[0]
    assert after.startswith(untouched)


@pytest.mark.parametrize("ops, reason", [
    ([{"op": "set", "table": "markers", "index": 0, "key": "x", "value": 0.5}], "unknown table 'markers'"),
    ([{"op": "set", "table": "marker", "index": 3, "key": "x", "value": 0.5}], "no [[marker]] number 3"),
    ([{"op": "set", "table": "marker", "index": 0, "key": "colour", "value": "#ffffff"}], "does not write 'colour'"),
    ([{"op": "set", "table": "marker", "index": 0, "key": "note", "value": {"a": 1}}], "not a value the editor writes"),
    ([{"op": "drop"}], "unknown operation 'drop'"),
    ([], "a list of 1 to 50 operations"),
])
def test_malformed_operations_are_refused(ops, reason):
    with pytest.raises(Refused, match=re.escape(reason)):
        apply_ops(COMMENTED, ops)


# --- writing, refusing, undoing -------------------------------------------------------------------

def test_an_invalid_change_is_refused_with_the_loaders_reason_and_the_file_unchanged(folder):
    editor = FigureEditor(folder.parent.parent)
    path = folder / "fig.toml"
    with pytest.raises(Refused) as refused:
        editor.change(path, [{"op": "add", "table": "zone", "value": {
            "id": "a", "points": [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]]}}])
    assert str(refused.value) == ('refused, images/demo/fig.toml left as it was: images/demo/fig.toml:18: '
                                  'zone "a": id "a" is already used by the marker on line 6 '
                                  "(markers and zones share one id space)")
    assert path.read_text(encoding="utf-8") == COMMENTED
    assert sorted(p.name for p in folder.iterdir()) == ["fig.toml", "pelvis.png"]      # no temporary file left


def test_undo_puts_back_each_change_and_refuses_after_an_outside_edit(folder):
    editor = FigureEditor(folder.parent.parent)
    path = folder / "fig.toml"
    editor.change(path, [{"op": "set", "table": "marker", "index": 0, "key": "x", "value": 0.5}])
    editor.change(path, [{"op": "set", "table": "marker", "index": 0, "key": "label", "value": "B"}])
    assert load_figure(path).markers[0].label == "B"
    editor.undo(path)
    editor.undo(path)
    assert path.read_text(encoding="utf-8") == COMMENTED
    with pytest.raises(Refused, match="nothing to undo"):
        editor.undo(path)
    editor.change(path, [{"op": "set", "table": "marker", "index": 0, "key": "x", "value": 0.5}])
    path.write_text(path.read_text(encoding="utf-8") + "# saved in another editor\n", encoding="utf-8")
    with pytest.raises(Refused, match="changed outside the editor"):
        editor.undo(path)
    assert path.read_text(encoding="utf-8").endswith("# saved in another editor\n")


def test_only_plain_figure_files_inside_images_slug_are_edited(folder, tmp_path):
    root = folder.parent.parent
    assert figure_file(root, "demo", "fig.toml") == (folder / "fig.toml").resolve()
    outside = tmp_path / "outside.toml"
    outside.write_text(COMMENTED, encoding="utf-8")
    (folder / "link.toml").symlink_to(outside)
    (folder / "sub").mkdir()
    (root / "images" / "other").mkdir()
    (root / "images" / "other" / "x.toml").write_text(COMMENTED, encoding="utf-8")
    (folder / "escape").symlink_to(root / "images" / "other")
    refusals = {"link.toml": "is a symbolic link", "../other/x.toml": "not a figure file name",
                "/etc/passwd.toml": "not a figure file name", ".hidden.toml": "not a figure file name",
                "pelvis.png": "not a figure file name", "none.toml": "does not exist",
                "escape/x.toml": "leads out of images/demo/", "sub": "not a figure file name"}
    for name, reason in refusals.items():
        with pytest.raises(Refused, match=re.escape(reason)):
            figure_file(root, "demo", name)
    (root / "images" / "linked").symlink_to(folder)          # a booklet's image folder that is a link
    with pytest.raises(Refused, match=re.escape("images/linked/fig.toml leads out of images/linked/")):
        figure_file(root, "linked", "fig.toml")


# --- in the studio ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("editor") / "repo"
    for name in ("chapters", "images", "templates"):      # both booklets: they name each other as partners
        shutil.copytree(REPO / name, root / name)
    figure = root / "images" / SLUG / "tp-medial.toml"     # comments on and around the lines a drag changes
    text = figure.read_text(encoding="utf-8").replace("[[marker]]\n", "# The point itself.\n[[marker]]\n", 1)
    figure.write_text(text.replace("x = 0.655\n", "x = 0.655          # read off the grid\n", 1), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def studio(root):
    """A running studio (no validation: the test runs EPUBCheck once itself): (Studio, base URL)."""
    with running_studio(root, SLUG, validate=False) as running:
        yield running


def settled(session, quiet: float = 1.5) -> None:
    """Wait until the studio has rebuilt after the last save (no new version for *quiet* seconds).

    A page opened while a rebuild replaces the version it is loading can stay blank until the
    next rebuild (studio.js gives that version up); the tests open their pages on a quiet studio.
    """
    version, since = session.booklets[SLUG].version, time.monotonic()
    deadline = since + WAIT
    while time.monotonic() - since < quiet:
        assert time.monotonic() < deadline, "the studio never settled"
        time.sleep(0.1)
        if session.booklets[SLUG].version != version:
            version, since = session.booklets[SLUG].version, time.monotonic()


def open_editor(chromium, studio, name: str, handle: str = "marker"):
    session, base = studio
    settled(session)
    context = chromium.new_context(viewport={"width": 1180, "height": 820})
    tab = context.new_page()
    tab.errors = []
    tab.posts = []
    tab.on("request", lambda r: r.method == "POST" and tab.posts.append(r.post_data))
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.goto(f"{base}/figure/{SLUG}/{name}")
    until(lambda: tab.locator(f'[data-handle="{handle}"]').count() > 0)
    # The reader's title fills the bar (which may wrap to two lines) once the booklet is open:
    # only then does the editor below it stay where it is.
    until(lambda: tab.evaluate("Number(document.body.dataset.shown) > 0"))
    tab.evaluate("window.studio.ready()")
    return context, tab


def until(check, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.05)
    return value


def answers(tab) -> int:
    return int(tab.evaluate("document.body.dataset.editorAnswers || '0'"))


def rebuilt_figure(session, name: str, version: int) -> Image.Image:
    """The figure's picture in the first build after *version*."""
    until(lambda: session.booklets[SLUG].version > version and not session.booklets[SLUG].error)
    image = session.state(SLUG)["figures"][name]
    return Image.open(io.BytesIO(session.booklets[SLUG].entries[image])).convert("RGB")


def darkness(image: Image.Image, x: float, y: float) -> float:
    """The mean brightness of a 5 x 5 patch at fractions (x, y): a marker's X centre is black."""
    cx, cy = round(x * image.width), round(y * image.height)
    from PIL import ImageStat

    return ImageStat.Stat(image.crop((cx - 2, cy - 2, cx + 3, cy + 3)).convert("L")).mean[0]


def test_dragging_a_marker_changes_only_its_x_and_y_and_the_rebuilt_figure_shows_it(chromium, studio, root):
    session = studio[0]
    path = root / "images" / SLUG / "tp-medial.toml"
    before = path.read_text(encoding="utf-8")
    old = load_figure(path).markers[0]
    version = session.booklets[SLUG].version
    assert darkness(rebuilt_figure(session, "tp-medial.toml", version - 1), old.x, old.y) < 80
    context, tab = open_editor(chromium, studio, "tp-medial.toml")
    try:
        box = tab.locator('[data-handle="marker"][data-index="0"]').bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        count, shown = answers(tab), tab.evaluate("Number(document.body.dataset.shown)")
        tab.mouse.move(x, y)
        tab.mouse.down()
        tab.mouse.move(x + 25, y + 60, steps=6)
        tab.mouse.up()
        until(lambda: answers(tab) > count)
        assert tab.locator("#editor-message").inner_text() == "saved"
        # The watcher rebuilt the booklet and the reader pane under the editor opened the new version.
        until(lambda: tab.evaluate("Number(document.body.dataset.shown)") > shown)
        after = path.read_text(encoding="utf-8")
        new = load_figure(path).markers[0]
        assert changed_lines(before, after) == sorted([
            f"- x = {old.x}          # read off the grid", f"- y = {old.y}",
            f"+ x = {new.x}          # read off the grid", f"+ y = {new.y}"])
        assert comments(after) == comments(before) != []
        assert new.x > old.x + 0.02 and new.y > old.y + 0.05
        assert len(str(new.x).split(".")[1]) <= 3 and len(str(new.y).split(".")[1]) <= 3
        picture = rebuilt_figure(session, "tp-medial.toml", version)
        assert darkness(picture, new.x, new.y) < 80 < darkness(picture, old.x, old.y)
        assert tab.errors == []
    finally:
        context.close()


def test_a_smooth_zone_of_four_clicks_is_valid_and_the_epub_passes_epubcheck(chromium, studio, root, tmp_path):
    from booklet.check.epubcheck import run_epubcheck

    session = studio[0]
    path = root / "images" / SLUG / "tp-lateral.toml"
    zones = len(load_figure(path).zones)
    version = session.booklets[SLUG].version
    context, tab = open_editor(chromium, studio, "tp-lateral.toml")
    try:
        tab.click('[data-tool="zone"]')
        tab.check("#editor-smooth")
        box = tab.locator("#editor-svg").bounding_box()
        for fx, fy in [(0.15, 0.62), (0.3, 0.6), (0.32, 0.75), (0.16, 0.77)]:
            tab.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        count = answers(tab)
        tab.click("#editor-finish")
        until(lambda: answers(tab) > count)
        assert tab.locator("#editor-message").inner_text() == "saved"
        fig = load_figure(path)
        assert len(fig.zones) == zones + 1 and fig.zones[-1].smooth and len(fig.zones[-1].points) == 4
        rebuilt_figure(session, "tp-lateral.toml", version)
        epub = tmp_path / f"{SLUG}.epub"
        epub.write_bytes(studio_epub(session, SLUG))
        [result] = run_epubcheck([epub])
        assert [str(m) for m in result.messages if m.is_error or m.is_warning] == []
        assert tab.errors == []
    finally:
        context.close()


def test_a_duplicate_id_is_refused_with_its_reason_and_undo_works(chromium, studio, root):
    path = root / "images" / SLUG / "overview.toml"
    before = path.read_bytes()
    context, tab = open_editor(chromium, studio, "overview.toml")
    try:
        box = tab.locator('[data-handle="marker"][data-index="1"]').bounding_box()
        tab.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        until(lambda: tab.locator("#editor-field-id").count())
        count = answers(tab)
        tab.fill("#editor-field-id", "tp-medial")
        tab.locator("#editor-field-id").dispatch_event("change")
        until(lambda: answers(tab) > count)
        message = tab.locator("#editor-message")
        assert message.get_attribute("data-kind") == "refused"
        shown = message.inner_text()
        assert re.fullmatch(r'refused, images/gluteus-medius/overview.toml left as it was: '
                            r'images/gluteus-medius/overview.toml:\d+: marker "tp-medial": id "tp-medial" is already '
                            r"used by the marker on line \d+ \(markers and zones share one id space\)", shown)
        assert f"\n{shown}\n" in (REPO / "docs" / "figures.md").read_text(encoding="utf-8")   # as the docs show it
        assert path.read_bytes() == before
        # An accepted change, then undo: the file is back, byte for byte.
        count = answers(tab)
        tab.fill("#editor-field-label", "Middle point")
        tab.locator("#editor-field-label").dispatch_event("change")
        until(lambda: answers(tab) > count)
        assert tab.locator("#editor-message").inner_text() == "saved", tab.posts
        assert 'label = "Middle point"' in path.read_text(encoding="utf-8")
        count = answers(tab)
        tab.click("#editor-undo")
        # A late answer to the label's second change event may arrive first: wait for the file.
        until(lambda: path.read_text(encoding="utf-8") == before.decode("utf-8"))
        assert tab.locator("#editor-message").inner_text() == "saved", tab.posts
        assert tab.errors == []
    finally:
        context.close()


def centre(tab, selector: str) -> tuple[float, float]:
    box = tab.locator(selector).first.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def saving(tab, action) -> None:
    """Do *action* and wait for the editor's answer; it must be 'saved'."""
    count = answers(tab)
    action()
    until(lambda: answers(tab) > count)
    assert tab.locator("#editor-message").inner_text() == "saved"


def test_zone_points_are_added_and_removed_and_a_callout_label_is_dragged(chromium, studio, root):
    path = root / "images" / SLUG / "tp-middle.toml"
    before = load_figure(path)
    points = list(before.zones[0].points)
    context, tab = open_editor(chromium, studio, "tp-middle.toml")
    try:
        # Select the first zone by its outline's handle area, then add a point between points 1 and 2.
        tab.mouse.click(*centre(tab, '#editor-svg path.zone[data-index="0"]'))
        until(lambda: tab.locator('[data-handle="zone"][data-vertex="mid-0"]').count())
        saving(tab, lambda: tab.mouse.click(*centre(tab, '[data-handle="zone"][data-vertex="mid-0"]')))
        added = load_figure(path).zones[0].points
        middle = tuple(round((a + b) / 2, 3) for a, b in zip(points[0], points[1]))
        assert len(added) == len(points) + 1 and added[0] == points[0] and added[2:] == tuple(points[1:])
        assert max(abs(a - b) for a, b in zip(added[1], middle)) <= 0.002
        # The new point is selected: remove it again.
        saving(tab, lambda: tab.click("#editor-remove-point"))
        assert load_figure(path).zones[0].points == tuple(points)
        assert tab.errors == []
    finally:
        context.close()


def test_a_callouts_text_position_follows_a_drag_and_its_anchor_stays(chromium, studio, root):
    path = root / "images" / SLUG / "anatomy.toml"
    text = path.read_text(encoding="utf-8")
    before = load_figure(path).callouts[0]
    context, tab = open_editor(chromium, studio, "anatomy.toml", handle="callout")
    try:
        x, y = centre(tab, '[data-handle="callout"][data-vertex="label"]')

        def drag():
            tab.mouse.move(x, y)
            tab.mouse.down()
            tab.mouse.move(x + 20, y + 15, steps=4)
            tab.mouse.up()
        saving(tab, drag)
        moved = load_figure(path).callouts[0]
        assert moved.at == before.at and moved.label_at[0] > before.label_at[0]
        assert [line[2:].split(" = ")[0] for line in changed_lines(text, path.read_text(encoding="utf-8"))] == [
            "label_at", "label_at"]
        assert tab.errors == []
    finally:
        context.close()


def test_arrow_keys_nudge_the_selected_marker_and_save_once_they_rest(chromium, studio, root):
    path = root / "images" / SLUG / "tp-lateral.toml"
    before = load_figure(path).markers[0]
    context, tab = open_editor(chromium, studio, "tp-lateral.toml")
    try:
        tab.mouse.click(*centre(tab, '[data-handle="marker"][data-index="0"]'))
        place = tab.evaluate("window.studio.page()")
        count = answers(tab)
        for key in ("Shift+ArrowRight", "Shift+ArrowRight", "ArrowDown", "ArrowDown", "ArrowDown"):
            tab.keyboard.press(key)
        until(lambda: answers(tab) > count)
        time.sleep(0.7)
        assert answers(tab) == count + 1                      # one write for the five steps
        after = load_figure(path).markers[0]
        assert (after.x, after.y) == (round(before.x + 0.02, 3), round(before.y + 0.003, 3))
        # The reader under the editor did not take the arrows as page turns.
        until(lambda: tab.evaluate("window.studio.page()") == place)
        time.sleep(0.5)
        assert tab.evaluate("window.studio.page()") == place
        assert tab.errors == []
    finally:
        context.close()


def test_every_studio_page_has_a_menu_that_opens_the_editor_on_a_figure(chromium, studio):
    session, base = studio
    settled(session)
    context = chromium.new_context(viewport={"width": 1180, "height": 820})
    try:
        tab = context.new_page()
        tab.goto(f"{base}/read/{SLUG}/")
        until(lambda: tab.locator("#edit-figure option").count() > 1)
        names = tab.locator("#edit-figure option").all_inner_texts()
        assert {"overview.toml", "tp-medial.toml", "anatomy.toml"} <= set(names)
        tab.select_option("#edit-figure", "tp-middle.toml")
        tab.wait_for_url(f"{base}/figure/{SLUG}/tp-middle.toml")
        until(lambda: tab.locator('[data-handle="marker"]').count() == 1)
    finally:
        context.close()


# --- over HTTP ------------------------------------------------------------------------------------

def post(base: str, path: str, body: dict, headers: dict) -> tuple[int, bytes]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("POST", path, body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_writes_need_the_studios_origin_json_and_a_figure_file_of_the_booklet(studio, root):
    _, base = studio
    path = root / "images" / SLUG / "anatomy.toml"
    before = path.read_bytes()
    move = {"ops": [{"op": "set", "table": "callout", "index": 0, "key": "at", "value": [0.5, 0.5]}]}
    url = f"/api/figure/{SLUG}/anatomy.toml"
    own = {"Origin": base, "Content-Type": "application/json"}
    assert post(base, url, move, {"Content-Type": "application/json"})[0] == 403
    assert post(base, url, move, {"Origin": "http://evil.example", "Content-Type": "application/json"})[0] == 403
    assert post(base, url, move, own | {"Sec-Fetch-Site": "cross-site"})[0] == 403
    assert post(base, url, move, {"Origin": base, "Content-Type": "text/plain"})[0] == 415
    assert post(base, f"/api/figure/{SLUG}/..%2F..%2Fchapters%2F{SLUG}%2Fbooklet.toml", move, own)[0] == 404
    assert post(base, "/api/figure/no-such/anatomy.toml", move, own)[0] == 404
    assert path.read_bytes() == before
    status, body = post(base, url, move, own)
    assert status == 200 and json.loads(body)["figure"]["callouts"][0]["at"] == [0.5, 0.5]
    assert post(base, url, {"undo": True}, own)[0] == 200 and path.read_bytes() == before


# --- the docs' examples ---------------------------------------------------------------------------

DOCS = {name: (REPO / "docs" / name).read_text(encoding="utf-8") for name in ("figures.md", "adding-a-muscle.md")}


def editor_section(text: str) -> str:
    """The part of a doc about the editor: from its `booklet studio` block to the next heading."""
    start = text.index("```sh\nbooklet studio ")
    return text[start:text.index("\n## ", start)]


def test_the_docs_editor_commands_urls_and_pictures_work(root, tmp_path):
    from booklet.cli import main, make_parser
    from test_new import doc_steps

    assert make_parser().parse_args(["studio"]).port == 8765           # the port in the docs' URLs
    # The piriformis walk-through's root, as adding-a-muscle.md makes it up to its step 7.
    walk = tmp_path / "walk"
    assert main(["new", "piriformis", "--root", str(walk)]) == 0
    for name, text in doc_steps(DOCS["adding-a-muscle.md"])[1].items():
        (walk / name).parent.mkdir(parents=True, exist_ok=True)
        (walk / name).write_text(text, encoding="utf-8")
    roots = {SLUG: root, "piriformis": walk}
    for name, text in DOCS.items():
        section = editor_section(text)
        for line in re.findall(r"^booklet studio .*$", section, re.M):
            args = make_parser().parse_args(line.split()[1:])
            assert args.slug in roots, line
        urls = re.findall(r"`http://127\.0\.0\.1:8765/figure/([^/`]+)/([^`]+)`", section)
        assert urls, name
        for slug, file in urls:
            model = FigureEditor(roots[slug]).model(slug, figure_file(roots[slug], slug, file))
            assert "error" not in model and model["markers"], (name, slug, file)
        for picture in re.findall(r"\]\((img/editor[^)]*\.png)\)", section):
            with Image.open(REPO / "docs" / picture) as image:
                assert image.size == (1180, 820), picture
    assert "## Placing marks by hand: the figure editor\n" in DOCS["figures.md"]      # the walk-through's link
    assert "(figures.md#placing-marks-by-hand-the-figure-editor)" in DOCS["adding-a-muscle.md"]


def load_bench():
    """bench/bench_editor.py, whose steps are those of the docs' walk-through."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_editor", REPO / "bench" / "bench_editor.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_walkthrough_annotates_a_new_drawing(chromium, tmp_path, monkeypatch):
    """docs/figures.md's steps on a drawing of one's own: a figure file with only its base line,
    shown in a chapter, then 3 markers, 2 zones and 2 callouts placed in the editor."""
    bench = load_bench()
    monkeypatch.setattr(bench.tempfile, "mkdtemp", lambda prefix: str(tmp_path / "walk"))
    root = bench.make_root()
    figure = root / "images" / bench.SLUG / "back.toml"
    assert figure.read_text(encoding="utf-8") == 'base = "back.png"\n'
    session = Studio(root, [bench.SLUG], validate=False)
    session.rebuild()
    assert session.booklets[bench.SLUG].error is None
    stop = start_watching(session)
    sock = bind("127.0.0.1", 0)
    server = WebServer(make_app(session, "127.0.0.1", sock.getsockname()[1]), sock).start()
    context = chromium.new_context(viewport={"width": 1180, "height": 820})
    try:
        tab = context.new_page()
        tab.errors = []
        tab.on("pageerror", lambda e: tab.errors.append(str(e)))
        tab.goto(f"http://127.0.0.1:{sock.getsockname()[1]}/figure/{bench.SLUG}/back.toml")
        until(lambda: tab.evaluate("Number(document.body.dataset.shown) > 0"))
        until(lambda: tab.locator("#editor-svg image").count())
        author = bench.Author(tab)
        bench.place_everything(author, None)
        fig = load_figure(figure)
        assert (len(fig.markers), len(fig.zones), len(fig.callouts)) == (3, 2, 2)
        assert [m.label for m in fig.markers] == [label for _, label, _ in bench.MARKERS]
        assert [(z.for_, z.kind) for z in fig.zones] == [("tp-1", "essential"), ("tp-2", "spillover")]
        assert fig.callouts[0].text == "Spine of the\nshoulder blade"
        assert [w.split(": ", 1)[1] for w in fig.warnings] == [
            "marker 'tp-3' has no zone: no [[zone]] names it in 'for' "
            '(add its pain zone with for = "tp-3", or remove the marker)']
        assert (author.clicks, author.fields) == (27, 11)
        assert tab.errors == []
    finally:
        context.close()
        stop.set()
        server.shutdown()
        server.server_close()
        session.close()

"""``booklet studio``: live rebuilds in a real reading engine, the error overlay, findings, popups, refusals.

One studio on a copy of the repository's root and one headless Chromium (/usr/bin/chromium)
for the module. A missing Chromium fails these tests: it is not a reason to skip.
"""
from __future__ import annotations

import http.client
import json
import re
import time
from pathlib import Path

import pytest

from booklet.errors import EnvironmentProblem
from booklet.publish.preview import browser, find_chromium
from booklet.publish.web import WebServer, bind
from booklet.studio.app import make_app
from booklet.studio.session import Studio
from booklet.studio.watch import affected, start_watching

SLUG = "gluteus-medius"
CHAPTER = "04-trigger-points.md"
WAIT = 30_000      # ms: a rebuild takes a fraction of a second; the first EPUBCheck a few seconds


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    import shutil

    from conftest import REPO

    root = tmp_path_factory.mktemp("studio") / "repo"
    for name in ("chapters", "images", "templates"):
        shutil.copytree(REPO / name, root / name)
    return root


@pytest.fixture(scope="module")
def studio(root):
    """A running studio on 127.0.0.1 with its watcher: (Studio, base URL)."""
    session = Studio(root, [SLUG])
    session.rebuild()
    stop = start_watching(session)
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = WebServer(make_app(session, "127.0.0.1", port), sock).start()
    yield session, f"http://127.0.0.1:{port}"
    stop.set()
    server.shutdown()
    server.server_close()
    session.close()


@pytest.fixture(scope="module")
def chromium():
    try:
        find_chromium()
    except EnvironmentProblem as exc:
        pytest.fail(f"{exc}: the studio tests need the system Chromium", pytrace=False)
    with browser() as instance:
        yield instance


@pytest.fixture
def page(chromium, studio):
    context = chromium.new_context(viewport={"width": 1400, "height": 1300})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(f"{studio[1]}/read/{SLUG}/{CHAPTER}")
    until(tab, "Number(document.body.dataset.shown) > 0")
    yield tab
    context.close()
    assert errors == []


def until(tab, script: str, timeout: float = WAIT / 1000):
    """Poll *script* in the page until it is truthy (the studio's CSP forbids Playwright's own
    in-page polling, which evaluates strings)."""
    deadline = time.monotonic() + timeout
    while not (value := tab.evaluate(script)):
        assert time.monotonic() < deadline, f"never true: {script}"
        time.sleep(0.05)
    return value


def frame_text(tab) -> str:
    """The text of every page the reader has loaded (foliate-js keeps them in iframes)."""
    texts = []
    for frame in tab.frames:
        if frame != tab.main_frame:
            try:
                texts.append(frame.evaluate("document.body ? document.body.innerText : ''"))
            except Exception:   # noqa: BLE001 - the old view's frames go as the new one comes
                continue
    return "\n".join(texts)


def wait_for_text(tab, text: str, timeout: float = WAIT / 1000) -> None:
    deadline = time.monotonic() + timeout
    while text not in frame_text(tab):
        assert time.monotonic() < deadline, f"{text!r} never appeared in the reader"
        time.sleep(0.1)


def shown(tab) -> int:
    return int(tab.evaluate("document.body.dataset.shown"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- in the browser ---------------------------------------------------------------------

def test_the_reader_opens_at_the_chapter_of_the_url(page):
    wait_for_text(page, "The Three Trigger Points")
    assert page.evaluate("window.studio.view.lastLocation.section.current") == chapter_index(page, CHAPTER)


def chapter_index(tab, chapter: str) -> int:
    href = tab.evaluate(f"fetch('/api/state/{SLUG}').then(r => r.json()).then(s => s.chapters[{chapter!r}])")
    return tab.evaluate("href => window.studio.view.book.sections.findIndex(s => s.id === href)", href)


def test_a_saved_sentence_appears_without_reload_at_the_same_chapter(page, root):
    before = shown(page)
    page.evaluate("() => { window.notReloaded = true }")
    edit(root / "chapters" / SLUG / CHAPTER, "They are usually numbered",
         "A sentence written in the studio test. They are usually numbered")
    wait_for_text(page, "A sentence written in the studio test.")
    assert shown(page) > before
    assert page.evaluate("window.notReloaded") is True           # the page itself was never reloaded
    assert page.evaluate("window.studio.view.lastLocation.section.current") == chapter_index(page, CHAPTER)


def test_a_broken_figure_reference_shows_file_and_line_then_goes(page, root):
    chapter = root / "chapters" / SLUG / CHAPTER
    edit(chapter, "](overview.toml ", "](overveiw.toml ")
    overlay = page.locator("#overlay")
    overlay.wait_for(state="visible", timeout=WAIT)
    text = page.locator("#overlay-text").inner_text()
    assert re.search(rf"{re.escape(CHAPTER)}:5\b", text), text
    assert "overveiw.toml" in text
    assert "The Three Trigger Points" in frame_text(page)       # the last good booklet stays behind
    edit(chapter, "](overveiw.toml ", "](overview.toml ")
    overlay.wait_for(state="hidden", timeout=WAIT)


def test_tapping_a_trigger_point_opens_its_popup(page):
    href = page.evaluate(f"fetch('/api/state/{SLUG}').then(r => r.json()).then(s => s.chapters[{CHAPTER!r}])")
    page.evaluate("href => window.studio.goTo(href + '#fig-overview')", href)
    frame = reader_frame(page, "a.tap")
    tap = frame.locator("a.tap-marker").first
    label = tap.get_attribute("aria-label")
    note_id = tap.get_attribute("href").lstrip("#")
    note = frame.evaluate("id => document.getElementById(id).textContent.trim()", note_id)
    assert not frame.locator(f"[id='{note_id}']").is_visible()     # notes are hidden in the page
    tap.click()
    page.locator("#popup").wait_for(state="visible", timeout=WAIT)
    words = note.split()[:6]
    deadline = time.monotonic() + 10
    while not popup_shows(page, " ".join(words)):
        assert time.monotonic() < deadline, f"the popup for {label!r} never showed {note[:60]!r}"
        time.sleep(0.1)


def reader_frame(tab, selector: str):
    deadline = time.monotonic() + WAIT / 1000
    while True:
        for frame in tab.frames:
            if frame != tab.main_frame and frame.locator(selector).count():
                return frame
        assert time.monotonic() < deadline, f"no reader page has {selector}"
        time.sleep(0.1)


# Whether an element sits in #popup, through the closed shadow roots of foliate-js.
_IN_POPUP = """e => {
  for (let n = e; n; n = n.getRootNode().host) if (n.closest && n.closest('#popup')) return true;
  return false;
}"""


def popup_shows(tab, text: str) -> bool:
    """Whether a frame inside the popup shows *text* (foliate-js renders the note in its own view)."""
    for frame in tab.frames:
        element = frame.frame_element() if frame != tab.main_frame else None
        if element is None or not element.evaluate(_IN_POPUP):
            continue
        if text in frame.evaluate("document.body ? document.body.innerText : ''"):
            return True
    return False


def test_an_epubcheck_problem_from_a_template_override_shows_in_the_panel(page, root, studio):
    template = root / "templates" / "chapter.xhtml.j2"
    original = template.read_text(encoding="utf-8")
    findings = page.locator("#findings li[data-code^='RSC-']")
    try:
        template.write_text(original.replace("{{ body }}", '{{ body }}\n<p><a href="no-such-page.xhtml">gone</a></p>'),
                            encoding="utf-8")
        findings.first.wait_for(timeout=WAIT * 2)
        text = findings.first.inner_text()
        assert re.search(rf"chapters/{SLUG}/\d\d-[a-z-]+\.md(:\d+)?", text), text
        assert "EPUBCheck" in text and "no-such-page.xhtml" in text
    finally:
        template.write_text(original, encoding="utf-8")
    findings.first.wait_for(state="detached", timeout=WAIT * 2)   # gone once fixed, without a reload


def test_the_quiz_answers_as_in_a_scripted_reader(page):
    index = page.evaluate("window.studio.view.book.sections.findIndex(s => /chapter-02/.test(s.id))")
    page.evaluate("i => window.studio.goTo(i)", index)
    frame = reader_frame(page, "section.quiz.is-interactive")
    quiz = frame.locator("section.quiz.is-interactive").first
    frame.evaluate("() => document.querySelector('section.quiz').scrollIntoView()")
    quiz.locator('li.quiz-option[data-correct="true"] .quiz-choice').first.dispatch_event("click")
    assert quiz.locator("p.quiz-feedback").inner_text() == "Right!"


def test_the_reader_url_of_a_figure_file_opens_the_page_with_that_figure(chromium, studio):
    context = chromium.new_context(viewport={"width": 1400, "height": 1300})
    try:
        tab = context.new_page()
        tab.goto(f"{studio[1]}/read/{SLUG}/tp-middle.toml")
        until(tab, "Number(document.body.dataset.shown) > 0")
        frame = reader_frame(tab, "img[src]")
        assert until(tab, "window.studio.view.lastLocation.section.current") == chapter_index(tab, CHAPTER)
        assert frame.locator("img[src]").count()
    finally:
        context.close()


# --- over HTTP -----------------------------------------------------------------------------

def request(base: str, path: str, method: str = "GET", headers: dict | None = None) -> tuple[int, bytes]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"}, {"Host": "evil.example"},
                                     {"Sec-Fetch-Site": "cross-site"}])
def test_requests_from_other_sites_are_refused(studio, headers):
    assert request(studio[1], f"/api/state/{SLUG}")[0] == 200
    status, body = request(studio[1], f"/api/state/{SLUG}", headers=headers)
    assert status == 403 and b"refused" in body


def test_a_change_without_the_studios_origin_is_refused(studio):
    assert request(studio[1], f"/api/state/{SLUG}", method="POST")[0] == 403


def test_only_the_current_version_and_known_paths_are_served(studio):
    session, base = studio
    digest = session.state(SLUG)["digests"]["EPUB/content.opf"]
    status, body = request(base, f"/book/{SLUG}/{digest}/EPUB/content.opf")
    assert status == 200 and body == session.booklets[SLUG].entries["EPUB/content.opf"]
    assert request(base, f"/book/{SLUG}/not-its-digest/EPUB/content.opf")[0] == 404
    assert request(base, f"/book/{SLUG}/{digest}/EPUB/nav.xhtml")[0] == 404
    assert request(base, f"/book/{SLUG}/{digest}/../../etc/passwd")[0] == 404
    assert request(base, "/read/no-such-booklet/")[0] == 404
    assert request(base, "/static/../session.py")[0] == 404
    assert request(base, "/static/foliate-js/LICENSE")[0] == 200


def test_saves_are_mapped_to_the_booklets_they_touch(tmp_path):
    slugs = ["a", "b"]
    chapters = tmp_path / "chapters"
    assert affected(tmp_path, [str(chapters / "a" / "01.md")], slugs) == ["a"]
    assert affected(tmp_path, [str(tmp_path / "images" / "b" / "x.toml")], slugs) == ["b"]
    assert affected(tmp_path, [str(tmp_path / "templates" / "style.css")], slugs) == ["a", "b"]
    assert affected(tmp_path, [str(chapters / "a" / ".01.md.swp"), str(chapters / "a" / "x.epub.tmp")], slugs) == []
    assert affected(tmp_path, [str(chapters / "c" / "01.md"), "/elsewhere/01.md"], slugs) == []


def test_the_warm_checker_uses_one_jvm_for_many_checks(studio, tmp_path):
    from booklet.check.epubcheck.warm import WarmChecker

    session, _ = studio
    good = tmp_path / "good.epub"
    good.write_bytes(_epub_bytes(session))
    broken = tmp_path / "broken.epub"
    broken.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    checker = WarmChecker()
    try:
        assert [m for m in checker.check(good) if m.is_error] == []
        pid = checker.proc.pid
        assert any(m.is_error for m in checker.check(broken))
        assert [m for m in checker.check(good) if m.is_error] == []
        assert checker.proc.pid == pid
    finally:
        checker.close()


def _epub_bytes(session) -> bytes:
    import io
    import zipfile

    entries = session.booklets[SLUG].entries
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), entries["mimetype"])
        for name, data in entries.items():
            if name != "mimetype":
                archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@pytest.mark.parametrize("port", ["0", "70000"])
def test_studio_port_out_of_range_is_a_clear_error(tmp_path, capsys, port):
    from booklet.cli import main

    assert main(["studio", "--root", str(tmp_path), "--port", port]) == 1
    assert f"--port {port} is not a TCP port" in capsys.readouterr().err


def test_a_figure_is_rendered_again_when_its_file_or_base_changes(tmp_path):
    import os
    import shutil

    from booklet.figures import jobs
    from booklet.studio.memo import install
    from conftest import REPO

    folder = tmp_path / "images"
    shutil.copytree(REPO / "images" / SLUG, folder)
    figure = folder / "overview.toml"
    assert install()
    first = jobs._load_and_render(figure)
    assert jobs._load_and_render(figure) is first                   # kept while nothing changed
    edit(figure, "x = 0.655", "x = 0.555")
    second = jobs._load_and_render(figure)
    assert second is not first and second[1].data != first[1].data
    base = second[0].base
    os.utime(base, ns=(base.stat().st_atime_ns, base.stat().st_mtime_ns + 10**9))
    assert jobs._load_and_render(figure) is not second


# --- the figure editor -------------------------------------------------------------------------

FIGURE = "overview.toml"


def figure_file(root: Path) -> Path:
    return root / "images" / SLUG / FIGURE


@pytest.fixture
def editor(chromium, studio, root):
    """The figure editor on overview.toml, with a comment added on the line it will change."""
    path = figure_file(root)
    original = path.read_text(encoding="utf-8")
    version = studio[0].state(SLUG)["version"]
    edit(path, "x = 0.755\n", "x = 0.755   # under the apex of the crest\n")
    deadline = time.monotonic() + 30
    while studio[0].state(SLUG)["version"] == version:      # rebuilt before the page opens
        assert time.monotonic() < deadline
        time.sleep(0.05)
    context = chromium.new_context(viewport={"width": 1360, "height": 1200})
    tab = context.new_page()
    tab.goto(f"{studio[1]}/figure/{SLUG}/{FIGURE}")
    until(tab, "Number(document.body.dataset.loaded || 0) > 0")
    yield tab, path
    context.close()
    path.write_text(original, encoding="utf-8")


def wait_for_change(path: Path, before: str) -> str:
    deadline = time.monotonic() + 10
    while (text := path.read_text(encoding="utf-8")) == before:
        assert time.monotonic() < deadline, "the figure file was never written"
        time.sleep(0.05)
    return text


def test_dragging_a_marker_changes_only_its_x_and_y(editor):
    tab, path = editor
    before = path.read_text(encoding="utf-8")
    box = tab.locator("circle[data-marker='1']").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    tab.mouse.move(x, y)
    tab.mouse.down()
    tab.mouse.move(x + 20, y + 15, steps=4)
    tab.mouse.move(x + 41, y + 30, steps=4)
    tab.mouse.up()
    after = wait_for_change(path, before)
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new)
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    assert [a for a, _ in changed] == ["x = 0.755   # under the apex of the crest", "y = 0.225"]
    (_, x_line), (_, y_line) = changed
    assert re.fullmatch(r"x = 0\.\d{1,3}   # under the apex of the crest", x_line), x_line
    assert re.fullmatch(r"y = 0\.\d{1,3}", y_line), y_line
    width = tab.evaluate("document.querySelector('#overlay').clientWidth")
    assert float(x_line.split()[2]) == pytest.approx(0.755 + 41 / width, abs=0.004)
    assert new[0].startswith("# All three gluteus medius trigger points")       # the file's own comment
    moved_to = (float(x_line.split()[2]), float(y_line.split()[2]))
    picture = rendered_picture(tab, after)
    there, before_there = dark_share(picture, moved_to), dark_share(picture, (0.755, 0.225))
    assert there > 0.1 and there > 2 * before_there, (there, before_there)     # the X went with it


def rendered_picture(tab, text: str):
    """The editor's picture of the figure once it is drawn from *text* (the build's rendering)."""
    import io

    from PIL import Image

    deadline = time.monotonic() + WAIT / 1000
    while True:
        url = tab.evaluate("document.querySelector('#picture').src")
        data = tab.evaluate("u => fetch(u).then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b)))", url)
        if "t=" in url and figure_file_matches(tab, text):
            return Image.open(io.BytesIO(bytes(data))).convert("L")
        assert time.monotonic() < deadline
        time.sleep(0.1)


def figure_file_matches(tab, text: str) -> bool:
    data = tab.evaluate(f"fetch('/api/figure/{SLUG}/{FIGURE}').then(r => r.json())")
    return all(f"x = {m['x']}" in text for m in data["markers"])


def dark_share(picture, at: tuple[float, float], half: int = 14) -> float:
    """The share of near-black pixels in a small square of *picture* around the fraction *at*."""
    x, y = round(at[0] * picture.width), round(at[1] * picture.height)
    box = picture.crop((x - half, y - half, x + half, y + half))
    return sum(box.histogram()[:60]) / (4 * half * half)


def test_an_invalid_edit_is_refused_with_its_reason(editor):
    tab, path = editor
    before = path.read_text(encoding="utf-8")
    tab.locator("circle[data-marker='0']").click()
    tab.fill("#form input[name=id]", "1-starts-with-a-digit")
    tab.click("#save")
    refused = tab.locator("#refused")
    refused.wait_for(state="visible", timeout=WAIT)
    assert "1-starts-with-a-digit" in refused.inner_text() and FIGURE in refused.inner_text()
    assert path.read_text(encoding="utf-8") == before


def test_a_click_adds_a_marker_and_undo_takes_it_away(editor):
    tab, path = editor
    before = path.read_text(encoding="utf-8")
    tab.check("#adding")
    box = tab.locator("#overlay").bounding_box()
    tab.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.8)
    after = wait_for_change(path, before)
    import difflib

    diff = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]
    added = "\n".join(line[2:] for line in diff if line.startswith("+ "))
    assert all(line.startswith("+ ") for line in diff), diff             # nothing else touched
    assert re.fullmatch(r'\[\[marker\]\]\nid = "tp-new-1"\nlabel = "New trigger point 1"\nx = 0\.2\d*\ny = 0\.8\d*\n?',
                        added.strip() + "\n"), added
    tab.click("#undo")
    assert wait_for_change(path, after) == before


def test_figure_changes_keep_the_rest_of_the_file(tmp_path):
    from booklet.studio.figedit import EditRefused, apply

    text = ('# a figure\nbase = "b.png"\n\n[[marker]]\nid = "a"  # first\nlabel = "A"\nx = 0.5\ny = 0.5\n\n'
            '[[zone]]\nid = "z"\npoints = [[0.1, 0.1], [0.2, 0.1],\n          [0.2, 0.2]]   # a triangle\n')
    moved = apply(text, {"op": "move-marker", "index": 0, "x": 0.123456, "y": 1 / 3})
    assert moved == text.replace("x = 0.5\ny = 0.5", "x = 0.123\ny = 0.333")
    added = apply(text, {"op": "add-point", "zone": 0, "after": 0, "x": 0.15, "y": 0.05})
    assert "[[0.1, 0.1], [0.15, 0.05], [0.2, 0.1]," in added and "# a triangle" in added
    removed = apply(text, {"op": "remove-point", "zone": 0, "point": 1})
    assert "[0.2, 0.1]" not in removed and "# a triangle" in removed
    labelled = apply(text, {"op": "set", "table": "marker", "index": 0, "field": "id", "value": "b"})
    assert 'id = "b"  # first' in labelled
    for bad in ({"op": "move-marker", "index": 3, "x": 0.1, "y": 0.1}, {"op": "move-marker", "index": 0, "x": "a"},
                {"op": "set", "table": "marker", "index": 0, "field": "base", "value": "x"}, {"op": "explode"}):
        with pytest.raises(EditRefused):
            apply(text, bad)


def test_four_clicks_draw_a_new_zone(editor):
    tab, path = editor
    before = path.read_text(encoding="utf-8")
    tab.check("#zoning")
    box = tab.locator("#overlay").bounding_box()
    for fx, fy in ((0.1, 0.7), (0.3, 0.7), (0.3, 0.85), (0.1, 0.85)):
        tab.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    tab.click("#finish-zone")
    after = wait_for_change(path, before)
    assert after.startswith(before.rstrip("\n"))
    added = after[len(before.rstrip("\n")):]
    match = re.fullmatch(r'\s*\[\[zone\]\]\nid = "zone-new-1"\npoints = (\[.*\])\n', added)
    assert match, added
    points = json.loads(match.group(1))
    flat = [v for point in points for v in point]
    assert flat == pytest.approx([0.1, 0.7, 0.3, 0.7, 0.3, 0.85, 0.1, 0.85], abs=0.003)
    assert all(len(str(v).split(".")[-1]) <= 3 for point in points for v in point)
    from booklet.figures.load import load_figure

    assert [z.id for z in load_figure(path).zones][-1] == "zone-new-1"

"""``booklet studio``: live rebuilds in a real reading engine, the error overlay, findings, popups, refusals.

One studio on a copy of the repository's root and one headless Chromium (/usr/bin/chromium)
for the module. A missing Chromium fails these tests: it is not a reason to skip.
"""
from __future__ import annotations

import http.client
import re
import time
from pathlib import Path

import pytest

from booklet.studio.watch import affected
from conftest import running_studio, studio_epub

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
    with running_studio(root, SLUG) as running:
        yield running


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
    good.write_bytes(studio_epub(session, SLUG))
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
    from booklet.figures.fonts import TextFonts

    assert install()
    first = jobs._load_and_render(figure, TextFonts())
    assert jobs._load_and_render(figure, TextFonts()) is first      # kept while nothing changed
    assert jobs._load_and_render(figure, TextFonts("he")) is not first   # another booklet language
    first = jobs._load_and_render(figure, TextFonts())
    edit(figure, "x = 0.655", "x = 0.555")
    second = jobs._load_and_render(figure, TextFonts())
    assert second is not first and second[1].data != first[1].data
    base = second[0].base
    os.utime(base, ns=(base.stat().st_atime_ns, base.stat().st_mtime_ns + 10**9))
    assert jobs._load_and_render(figure, TextFonts()) is not second

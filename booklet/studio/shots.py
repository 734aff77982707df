"""Screenshots through the studio's reader pane (foliate-js): what a reader sees, page by page.

``booklet preview`` uses these, so its pictures come from a reading system, with footnote
and glossary notes hidden in the page, rather than from a plain browser that prints every
note at the end of the chapter. Beside the pages: a figure's popup opened by tapping its
first tap target, and a quiz answered, once per chapter that has one.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

MAX_PAGES = 40          # per section: a runaway layout must not fill the disk
THEMES = {"light": "light", "dark": "night"}


@dataclass
class ReaderShot:
    number: int         # the section's place in the spine, from 1
    section: str        # its file name without extension
    page: int           # from 1
    pages: int
    kind: str           # "page", "popup" or "quiz"
    path: Path


@contextlib.contextmanager
def reader(root: Path, slug: str, epub: Path) -> Iterator[str]:
    """Serve *epub* through the studio's app on 127.0.0.1 (no watcher, no checks); yield the reader's URL."""
    from booklet.publish.web import WebServer, bind
    from booklet.studio.app import make_app
    from booklet.studio.session import Studio

    studio = Studio(root, [slug], validate=False)
    try:
        studio.show(slug, epub)
        sock = bind("127.0.0.1", 0)
        port = sock.getsockname()[1]
        server = WebServer(make_app(studio, "127.0.0.1", port), sock).start()
        try:
            yield f"http://127.0.0.1:{port}/read/{slug}/"
        finally:
            server.shutdown()
            server.server_close()
    finally:
        studio.close()


def until(page, script: str, arg=None, timeout: float = 30.0):
    """Poll *script* until truthy (the studio's CSP rules out Playwright's in-page polling)."""
    deadline = time.monotonic() + timeout
    while not (value := page.evaluate(script, arg)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the reader never got to: {script}")
        time.sleep(0.05)
    return value


def open_reader(context, url: str, theme: str, orientation: str):
    """A tab with the bare reader at *url*, its booklet laid out."""
    page = context.new_page()
    page.goto(f"{url}?bare&theme={theme}&orientation={orientation}&scripts=1")
    until(page, "Number(document.body.dataset.shown) > 0")
    return page


def sections(page) -> list[tuple[int, str]]:
    """(spine index, file stem) of each linear section."""
    return page.evaluate("""() => window.studio.view.book.sections
        .map((s, i) => [i, s.linear, s.id.split('/').pop().replace(/\\.x?html$/, '')])
        .filter(([, linear]) => linear !== 'no').map(([i, , name]) => [i, name])""")


def go(page, target) -> None:
    page.evaluate("t => window.studio.goTo(t)", target)
    page.evaluate("() => window.studio.ready()")


def shoot_section(page, index: int, name: str, number: int, out: Path, suffix: str) -> list[ReaderShot]:
    """Every page of one section, as the reader turns them."""
    go(page, index)
    shots = []
    for _ in range(MAX_PAGES):
        where = page.evaluate("() => window.studio.page()")
        if where["section"] != index:
            break
        target = out / f"{number:02d}-{name}-p{where['page']}-{suffix}.png"
        page.screenshot(path=str(target))
        shots.append(ReaderShot(number, name, where["page"], where["pages"], "page", target))
        if where["page"] >= where["pages"]:
            break
        page.evaluate("() => window.studio.next()")
        page.evaluate("() => window.studio.ready()")
    return shots


def shoot_popup(page, index: int, name: str, number: int, out: Path, suffix: str) -> ReaderShot | None:
    """The section's first figure with its first tap target tapped, the popup open."""
    frame = _open_at_first(page, index, "a.tap", "a.tap")
    if frame is None:
        return None
    frame.locator("a.tap").first.dispatch_event("click")
    until(page, "() => !document.querySelector('#popup').hidden")
    until(page, """() => [...document.querySelectorAll('#popup-body foliate-view')].length""")
    time.sleep(0.3)          # the note's own view lays out its page
    target = out / f"{number:02d}-{name}-popup-{suffix}.png"
    page.screenshot(path=str(target))
    page.evaluate("() => window.studio.closePopup()")
    return ReaderShot(number, name, 0, 0, "popup", target)


def shoot_quiz(page, index: int, name: str, number: int, out: Path, suffix: str) -> ReaderShot | None:
    """The section's first quiz with its right answer tapped."""
    frame = _open_at_first(page, index, "section.quiz.is-interactive", "section.quiz")
    if frame is None:
        return None
    frame.locator('section.quiz li.quiz-option[data-correct="true"] .quiz-choice').first.dispatch_event("click")
    target = out / f"{number:02d}-{name}-quiz-{suffix}.png"
    page.screenshot(path=str(target))
    return ReaderShot(number, name, 0, 0, "quiz", target)


def _open_at_first(page, index: int, ready: str, first: str):
    """Turn to the first *first* element of section *index*; its frame once *ready* is there, or None."""
    frame = _frame_with(page, index, ready)
    if frame is None:
        return None
    element = frame.evaluate("s => document.querySelector(s).closest('[id]')?.id", first)
    go(page, _href(page, index, element))
    return _frame_with(page, index, ready)


def _href(page, index: int, element_id: str | None):
    """Where to go for an element of section *index*: its id in that section, else the section."""
    if not element_id:
        return index
    return page.evaluate("([i, id]) => window.studio.view.book.sections[i].id + '#' + id", [index, element_id])


def _frame_with(page, index: int, selector: str):
    """The reader frame showing section *index*, if it contains *selector*."""
    if page.evaluate("() => window.studio.page().section") != index:
        go(page, index)
    for frame in page.frames:
        if frame == page.main_frame or frame.is_detached():
            continue
        try:
            if frame.locator(selector).count():
                return frame
        except Exception:  # noqa: BLE001 - a frame going away as the view turns
            continue
    return None

"""Make the README's pictures again from the current booklets: ``python tools/readme_screenshots.py``.

- ``docs/img/figure-page.png`` and ``docs/img/contact-sheet.png``: from ``booklet preview
  gluteus-medius`` (foliate-js in headless Chromium, as a reader shows the pages);
- ``docs/img/studio.png``: ``booklet studio`` on a copy of this root, chapter 4 open at the
  overview figure with the middle trigger point's popup open.

The download page's picture (``docs/img/catalog.png``) comes from ``tests/test_serve.py``
(see the docstring there). Look at each picture after making it.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IMG = REPO / "docs" / "img"
SLUG = "gluteus-medius"
CHAPTER = "04-trigger-points.md"
sys.path.insert(0, str(REPO))


def preview_pictures(work: Path) -> None:
    """The figure page and the contact sheet, from a preview of the default booklet."""
    from booklet.publish.preview import preview

    result = preview(REPO, SLUG, out=work / "preview")
    # The page of chapter 4 that holds the overview figure (its first page is the opening text).
    page = next(s.path for s in result.shots
                if "chapter-04-p2-portrait-light" in s.path.name)
    shutil.copyfile(page, IMG / "figure-page.png")
    shutil.copyfile(result.contact_sheet, IMG / "contact-sheet.png")


def until(tab, script: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not (value := tab.evaluate(script)):
        if time.monotonic() > deadline:
            raise TimeoutError(script)
        time.sleep(0.05)
    return value


def studio_picture(work: Path) -> None:
    """The studio with the middle trigger point's popup open over the overview figure."""
    from booklet.publish.preview import browser
    from booklet.publish.web import WebServer, bind
    from booklet.studio.app import make_app
    from booklet.studio.session import Studio

    root = work / "root"
    for name in ("chapters", "images", "templates"):
        shutil.copytree(REPO / name, root / name)
    session = Studio(root, [SLUG])
    session.rebuild()
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = WebServer(make_app(session, "127.0.0.1", port), sock).start()
    try:
        with browser() as chromium:
            tab = chromium.new_context(viewport={"width": 1360, "height": 1290}).new_page()
            tab.goto(f"http://127.0.0.1:{port}/read/{SLUG}/{CHAPTER}")
            until(tab, "Number(document.body.dataset.shown) > 0")
            href = tab.evaluate(f"fetch('/api/state/{SLUG}').then(r => r.json()).then(s => s.chapters[{CHAPTER!r}])")
            tab.evaluate("href => window.studio.goTo(href + '#fig-overview')", href)
            frame = _reader_frame(tab, "a.tap-marker")
            frame.locator("a.tap-marker[href$='tp-middle']").first.click()
            tab.locator("#popup").wait_for(state="visible")
            until(tab, "!/checking/.test(document.body.innerText)")     # EPUBCheck's findings are in
            time.sleep(0.5)
            tab.screenshot(path=str(IMG / "studio.png"))
    finally:
        server.shutdown()
        server.server_close()
        session.close()


def _reader_frame(tab, selector: str):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for frame in tab.frames:
            if frame != tab.main_frame and frame.locator(selector).count():
                return frame
        time.sleep(0.1)
    raise TimeoutError(selector)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        preview_pictures(Path(folder))
        studio_picture(Path(folder))
    print("wrote", ", ".join(f"docs/img/{n}" for n in ("figure-page.png", "contact-sheet.png", "studio.png")))


if __name__ == "__main__":
    main()

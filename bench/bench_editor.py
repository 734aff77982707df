"""Measure: a new figure with 3 markers, 2 zones and 2 callouts placed through the figure editor.

    python bench/bench_editor.py [--shots docs/img]

A scripted run, not a person: it follows the steps of docs/figures.md ("Editing a figure in
the studio") in a fresh root: ``booklet new infraspinatus``, its own base drawing (drawn here
with Pillow), a figure file with only its ``base`` line referred to from a chapter, then
``booklet studio`` and, in headless Chromium at 1180 x 820, the clicks and typing an author
makes. It counts the actions (a click, or a field typed and left with Tab) and the wall time
from opening the editor to the last saved change, then builds the booklet with validation.
With --shots it also writes the screenshots the docs show.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SLUG = "infraspinatus"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def draw_base(path: Path) -> None:
    """A plain drawing of the back of a right shoulder: body outline, shoulder blade, its spine."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 1600), (250, 247, 241))
    pen = ImageDraw.Draw(image)
    pen.polygon([(150, 1600), (180, 500), (420, 330), (780, 330), (1050, 480), (1100, 1600)], fill=(240, 222, 205),
                outline=(150, 120, 100), width=6)
    pen.polygon([(380, 430), (820, 470), (560, 1150)], fill=(232, 226, 210), outline=(120, 110, 90), width=8)
    pen.line([(390, 520), (860, 430)], fill=(120, 110, 90), width=26)
    pen.ellipse((860, 400, 1010, 550), fill=(232, 226, 210), outline=(120, 110, 90), width=8)
    image.save(path)


def make_root() -> Path:
    """Step 1 of the docs: a new booklet, a drawing of one's own, a figure file with its base line only."""
    root = Path(tempfile.mkdtemp(prefix="bench-editor-"))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    subprocess.run([sys.executable, "-m", "booklet", "new", SLUG, "--root", str(root)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    images = root / "images" / SLUG
    draw_base(images / "back.png")
    (images / "back.toml").write_text('base = "back.png"\n', encoding="utf-8")
    chapter = root / "chapters" / SLUG / "02-anatomy.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n![The back of the right shoulder with the "
                       "infraspinatus trigger points](back.toml \"Infraspinatus trigger points\")\n", encoding="utf-8")
    return root


def start_studio(root: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen([sys.executable, "-m", "booklet", "studio", SLUG, "--root", str(root),
                                "--port", str(port), "--no-check"], env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/api/state/{SLUG}", timeout=1)
            return process, base
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the studio did not start")


class Author:
    """Clicks and typing in the editor, counted; each change waits for the server's answer."""

    def __init__(self, tab):
        self.tab, self.clicks, self.fields = tab, 0, 0

    def answers(self) -> int:
        return int(self.tab.evaluate("document.body.dataset.editorAnswers || '0'"))

    def saved(self, action) -> None:
        before = self.answers()
        action()
        deadline = time.monotonic() + 20
        while self.answers() == before:
            assert time.monotonic() < deadline, "no answer from the studio"
            time.sleep(0.02)
        message = self.tab.locator("#editor-message").inner_text()
        assert message == "saved", message

    def click(self, selector: str, saves: bool = False) -> None:
        self.clicks += 1
        act = lambda: self.tab.click(selector)   # noqa: E731
        self.saved(act) if saves else act()

    def point(self, x: float, y: float, saves: bool = False) -> None:
        """Click the picture at fractions (x, y)."""
        self.clicks += 1
        box = self.tab.locator("#editor-svg").bounding_box()
        act = lambda: self.tab.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])  # noqa: E731
        self.saved(act) if saves else act()

    def mark(self, table: str, index: int) -> None:
        """Click a marker's handle to select it."""
        self.clicks += 1
        box = self.tab.locator(f'[data-handle="{table}"][data-index="{index}"]').first.bounding_box()
        self.tab.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    def type(self, field: str, text: str) -> None:
        """Type into a field of the side form and leave it with Tab (which saves it)."""
        self.fields += 1
        def act():
            self.tab.fill(f"#editor-field-{field}", text)
            self.tab.press(f"#editor-field-{field}", "Tab")
        self.saved(act)

    def choose(self, field: str, value: str) -> None:
        self.fields += 1
        self.saved(lambda: self.tab.select_option(f"#editor-field-{field}", value))


MARKERS = [((0.42, 0.36), "Upper trigger point", "In the muscle just below the spine of the shoulder blade."),
           ((0.58, 0.47), "Middle trigger point", "In the middle of the muscle, a hand's width below the spine."),
           ((0.50, 0.60), "Lower trigger point", "Near the lower edge of the muscle.")]
ZONES = [(0, "essential", "Front of the shoulder", [(0.72, 0.27), (0.83, 0.25), (0.88, 0.33), (0.80, 0.40), (0.71, 0.35)]),
         (1, "spillover", "Back of the upper arm", [(0.80, 0.42), (0.88, 0.43), (0.87, 0.62), (0.80, 0.60)])]
CALLOUTS = [("Spine of the\nshoulder blade", (0.47, 0.30), (0.60, 0.14)),
            ("Infraspinatus", (0.46, 0.52), (0.44, 0.80))]


def current(tab) -> None:
    """Wait until the editor shows the rendering of the file as it is now (for the screenshots)."""
    script = "(i => i && i.getAttribute('href') === i.dataset.src)(document.querySelector('#editor-svg image'))"
    deadline = time.monotonic() + 20
    while not tab.evaluate(script):
        assert time.monotonic() < deadline, "the picture never caught up"
        time.sleep(0.05)
    time.sleep(0.2)


def place_everything(author: Author, shots: Path | None) -> None:
    """The docs' steps: add markers, then a zone per marker, then the callouts."""
    author.click('[data-tool="marker"]')
    for n, ((x, y), label, note) in enumerate(MARKERS):
        author.point(x, y, saves=True)
        author.type("label", label)
        author.type("note", note)
    for n, (marker, kind, label, points) in enumerate(ZONES):
        author.click('[data-tool="select"]')
        author.mark("marker", marker)
        author.click('[data-tool="zone"]')
        if n == 0:
            author.click("#editor-smooth")
        for x, y in points:
            author.point(x, y)
        if shots and n == 1:
            current(author.tab)
            author.tab.screenshot(path=str(shots / "editor-adding-a-zone.png"))
        author.click("#editor-finish", saves=True)
        author.type("label", label)
        if kind != "essential":
            author.choose("kind", kind)
    author.click('[data-tool="callout"]')
    for text, at, label_at in CALLOUTS:
        author.point(*at)
        author.point(*label_at, saves=True)
        author.type("text", text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=Path, help="write the docs' screenshots into this folder")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from booklet.figures import load_figure

    root = make_root()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    figure = root / "images" / SLUG / "back.toml"
    process, base = start_studio(root)
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            tab = chromium.new_page(viewport={"width": 1180, "height": 820})
            tab.goto(f"{base}/figure/{SLUG}/back.toml")
            while not tab.evaluate("Number(document.body.dataset.shown) > 0"):
                time.sleep(0.05)
            author = Author(tab)
            start = time.perf_counter()
            place_everything(author, args.shots)
            seconds = time.perf_counter() - start
            if args.shots:          # (not counted: only for the picture)
                tab.click('[data-tool="select"]')
                Author(tab).mark("zone", 0)
                tab.check("#editor-grid")
                current(tab)
                tab.screenshot(path=str(args.shots / "editor.png"))
            chromium.close()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    fig = load_figure(figure)
    print(f"placed {len(fig.markers)} markers, {len(fig.zones)} zones, {len(fig.callouts)} callouts "
          f"with {author.clicks} clicks and {author.fields} fields typed "
          f"({author.clicks + author.fields} actions) in {seconds:.1f} s of scripted wall time")
    for warning in fig.warnings:
        print(f"warning: {warning}")
    build = subprocess.run([sys.executable, "-m", "booklet", "build", SLUG, "--root", str(root)], env=env,
                           capture_output=True, text=True)
    print(build.stdout.strip() or build.stderr.strip())
    print(figure.read_text(encoding="utf-8"))
    return build.returncode


if __name__ == "__main__":
    sys.exit(main())

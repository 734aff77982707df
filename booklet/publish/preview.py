"""Preview a built booklet as an iPad would show it: every page in headless Chromium.

Each spine page is rendered at iPad portrait (820×1180) and landscape (1180×820), in light
and dark, saved as a PNG, and gathered into one contact sheet. A page that scrolls sideways
or logs a console error or page error is reported as a problem.

A plain browser shows the XHTML as it is, without a reader's margins or themes. The theme
leaves the page background and text colour to the reader, so in dark mode the preview
adds what a reader's night theme would: a dark background and light text
(``READER_NIGHT_CSS``); the booklet's own ``prefers-color-scheme: dark`` rules apply on top.

Playwright (a test extra) and Debian's Chromium are needed only here, and are imported
and looked for only when a preview runs.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from lxml import etree

from booklet.render import xhtml
from booklet.errors import BookletError, BuildErrors, EnvironmentProblem

VIEWPORTS = {"portrait": (820, 1180), "landscape": (1180, 820)}
SCHEMES = ("light", "dark")
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
CHROMIUM_HINT = "install it with apt-get install chromium, or set BOOKLET_CHROMIUM to its path"
READER_NIGHT_CSS = ":root { color-scheme: dark; } html { background: #121212; color: #e6e6e6; }"
MEDIA_TYPES = {".xhtml": "application/xhtml+xml", ".html": "text/html", ".css": "text/css",
               ".js": "application/javascript", ".svg": "image/svg+xml", ".png": "image/png",
               ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
               ".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2",
               ".ncx": "application/x-dtbncx+xml", ".opf": "application/oebps-package+xml",
               ".mp4": "video/mp4"}
CONTAINER_NS = {"c": xhtml.CONTAINER_NS}
OPF_NS = {"opf": xhtml.OPF_NS}

# The measurement every page gets once it has loaded and its fonts are in.
_MEASURE = "() => document.fonts.ready.then(() => document.scrollingElement.scrollWidth)"


@dataclass
class Shot:
    """One screenshot of one page in one viewport and colour scheme."""

    number: int
    page: str
    orientation: str
    scheme: str
    path: Path


@dataclass
class PageProblem:
    page: str
    orientation: str
    scheme: str
    message: str

    def __str__(self) -> str:
        return f"{self.page} ({self.orientation}, {self.scheme}): {self.message}"


@dataclass
class PreviewResult:
    out: Path
    shots: list[Shot] = field(default_factory=list)
    problems: list[PageProblem] = field(default_factory=list)
    contact_sheet: Path | None = None


# --- finding and opening the booklet ---------------------------------------------------

def ensure_epub(root: Path, slug: str) -> Path:
    """Return ``<root>/dist/<slug>.epub``, building it (without EPUBCheck) if it is missing."""
    epub = root / "dist" / f"{slug}.epub"
    if epub.is_file():
        return epub
    from booklet.pipeline import BuildOptions, build

    [result] = build(BuildOptions(root=root, out=root / "dist", slugs=[slug], validate=False))
    if result.errors:
        raise BuildErrors(result.errors)
    if result.epub is None or not result.epub.is_file():
        raise BookletError(f"booklet {slug!r} did not build", root / "chapters" / slug)
    return result.epub


def unzip(epub: Path, folder: Path) -> Path:
    """Unpack *epub* into *folder* and return the folder."""
    with zipfile.ZipFile(epub) as archive:
        archive.extractall(folder)
    return folder


def spine_pages(folder: Path) -> list[Path]:
    """The unzipped EPUB's content documents in spine order (via META-INF/container.xml)."""
    container = etree.parse(str(folder / "META-INF" / "container.xml"))
    opf_path = folder / container.xpath("//c:rootfile/@full-path", namespaces=CONTAINER_NS)[0]
    opf = etree.parse(str(opf_path))
    manifest = {item.get("id"): item.get("href")
                for item in opf.xpath("//opf:manifest/opf:item", namespaces=OPF_NS)}
    refs = opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=OPF_NS)
    return [opf_path.parent / manifest[ref] for ref in refs if ref in manifest]


# --- serving and browsing --------------------------------------------------------------

class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MEDIA_TYPES}

    def do_GET(self):
        if self.path == "/favicon.ico":   # asked for by the browser, not by the booklet
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve *folder* on http://127.0.0.1 (a free port) while the block runs; yield the base URL."""
    handler = functools.partial(_Handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def url_for(base: str, folder: Path, page: Path) -> str:
    return base + page.relative_to(folder).as_posix()


def find_chromium() -> str:
    """The Chromium to drive: $BOOKLET_CHROMIUM, else the first browser on PATH."""
    chosen = os.environ.get("BOOKLET_CHROMIUM")
    if chosen:
        if Path(chosen).is_file():
            return chosen
        raise EnvironmentProblem(f"BOOKLET_CHROMIUM is {chosen!r}, which does not exist", hint=CHROMIUM_HINT)
    found = chromium_on_path()
    if found:
        return found
    raise EnvironmentProblem("Chromium is needed for previews but was not found", hint=CHROMIUM_HINT)


def chromium_on_path(path: str | None = None) -> str | None:
    """The first Chromium-like browser on *path* (default: $PATH), or None."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def start_playwright():
    """Start Playwright's sync API; return the running instance (stop it with ``.stop()``)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise EnvironmentProblem("the Python package playwright is needed for previews",
                                 hint="pip install playwright (the browser comes from apt-get install chromium)")
    return sync_playwright().start()


def launch(playwright):
    """Launch headless Chromium from the system, never a downloaded one."""
    executable = find_chromium()
    try:
        return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception as exc:  # Playwright raises its own Error with a long log
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EnvironmentProblem(f"could not start Chromium ({executable}): {first}", hint=CHROMIUM_HINT)


@contextlib.contextmanager
def browser() -> Iterator:
    """A headless Chromium browser for the duration of the block."""
    playwright = start_playwright()
    try:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


def new_context(chromium, orientation: str = "portrait", scheme: str = "light", **options):
    """A browser context at an iPad viewport and colour scheme."""
    width, height = VIEWPORTS[orientation]
    return chromium.new_context(viewport={"width": width, "height": height}, color_scheme=scheme,
                                device_scale_factor=1, **options)


def watch(page) -> list[str]:
    """Collect the console errors, page errors and failed requests of *page* into a list."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(f"console error: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: seen.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: seen.append(f"missing file: {r.url} (HTTP {r.status})")
            if r.status >= 400 else None)
    return seen


def open_page(page, url: str, scheme: str = "light") -> int:
    """Load *url*, apply the reader's night theme when dark; return the scroll width."""
    page.goto(url, wait_until="load")
    if scheme == "dark":
        page.add_style_tag(content=READER_NIGHT_CSS)
    return page.evaluate(_MEASURE)


def check_width(scroll_width: int, viewport_width: int) -> str | None:
    if scroll_width > viewport_width:
        return f"scrolls sideways: {scroll_width} px wide in a {viewport_width} px viewport"
    return None


# --- screenshots and the contact sheet -------------------------------------------------

def shoot(chromium, base: str, folder: Path, pages: list[Path], out: Path,
          orientation: str, scheme: str) -> tuple[list[Shot], list[PageProblem]]:
    """Screenshot every page (full length) in one viewport and scheme; note the problems."""
    shots, problems = [], []
    context = new_context(chromium, orientation, scheme)
    try:
        page = context.new_page()
        seen = watch(page)
        for number, path in enumerate(pages, 1):
            seen.clear()
            width = open_page(page, url_for(base, folder, path), scheme)
            target = out / f"{number:02d}-{path.stem}-{orientation}-{scheme}.png"
            page.screenshot(path=str(target), full_page=True)
            shots.append(Shot(number, path.stem, orientation, scheme, target))
            wide = check_width(width, VIEWPORTS[orientation][0])
            for message in ([wide] if wide else []) + list(seen):
                problems.append(PageProblem(path.name, orientation, scheme, message))
    finally:
        context.close()
    return shots, problems


def label_font(size: int, bold: bool = False):
    """The theme's Lato at *size* px, for contact sheet labels."""
    from PIL import ImageFont

    from booklet.render.theme import default_template_dir

    name = "Lato-Bold.ttf" if bold else "Lato-Regular.ttf"
    return ImageFont.truetype(str(default_template_dir() / "fonts" / name), size)


def thumbnail(shot: Shot, scale: float):
    """The first screen of *shot*, scaled by *scale*, and how many screens the page has."""
    from PIL import Image

    width, height = VIEWPORTS[shot.orientation]
    with Image.open(shot.path) as image:
        screens = max(1, -(-image.height // height))
        top = image.crop((0, 0, width, min(height, image.height))).convert("RGB")
    return top.resize((round(width * scale), round(top.height * scale)), Image.LANCZOS), screens


def contact_sheet(shots: list[Shot], target: Path, columns: int = 4, scale: float = 0.25,
                  title: str | None = None) -> Path:
    """Lay the shots' first screens out in a labelled grid, *columns* across, and save it."""
    from PIL import Image, ImageDraw

    pad, label_h = 16, 40
    cell = round(max(max(v) for v in VIEWPORTS.values()) * scale)
    title_h = 44 if title else 0
    rows = -(-len(shots) // columns)
    sheet = Image.new("RGB", (pad + columns * (cell + pad), title_h + pad + rows * (cell + label_h + pad)),
                      "#e9e9ee")
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((pad, pad), title, fill="#1e1e1e", font=label_font(22, bold=True))
    bold, small = label_font(13, bold=True), label_font(12)
    for index, shot in enumerate(shots):
        image, screens = thumbnail(shot, scale)
        x = pad + (index % columns) * (cell + pad)
        y = title_h + pad + (index // columns) * (cell + label_h + pad)
        left, top = x + (cell - image.width) // 2, y + (cell - image.height) // 2
        sheet.paste(image, (left, top))
        draw.rectangle((left - 1, top - 1, left + image.width, top + image.height), outline="#9a9aa2")
        draw.text((x, y + cell + 4), f"{shot.number:02d} {shot.page}", fill="#1e1e1e", font=bold)
        more = f" · 1 of {screens} screens" if screens > 1 else ""
        draw.text((x, y + cell + 21), f"{shot.orientation}, {shot.scheme}{more}", fill="#55555c", font=small)
    target.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(target, optimize=True)
    return target


# --- the whole preview -----------------------------------------------------------------

def preview_folder(folder: Path, out: Path, title: str | None = None) -> PreviewResult:
    """Preview an unzipped EPUB in *folder*: screenshots, problems and a contact sheet in *out*."""
    out.mkdir(parents=True, exist_ok=True)
    result = PreviewResult(out)
    pages = spine_pages(folder)
    with serve(folder) as base, browser() as chromium:
        for orientation in VIEWPORTS:
            for scheme in SCHEMES:
                shots, problems = shoot(chromium, base, folder, pages, out, orientation, scheme)
                result.shots += shots
                result.problems += problems
    order = {(o, s): i for i, (o, s) in enumerate((o, s) for o in VIEWPORTS for s in SCHEMES)}
    result.shots.sort(key=lambda s: (s.number, order[s.orientation, s.scheme]))
    result.contact_sheet = contact_sheet(result.shots, out / "contact-sheet.png", columns=len(order),
                                         title=title)
    return result


def preview(root: Path, slug: str, out: Path | None = None) -> PreviewResult:
    """Build *slug* if need be, then preview it into *out* (default ``<root>/dist/preview/<slug>``)."""
    root = root.resolve()
    find_chromium()   # fail before building when there is no browser
    epub = ensure_epub(root, slug)
    out = out or root / "dist" / "preview" / slug
    with tempfile.TemporaryDirectory(prefix=f"booklet-preview-{slug}-") as temp:
        return preview_folder(unzip(epub, Path(temp)), out, title=f"{slug} · {epub.name}")


# --- README images ---------------------------------------------------------------------

def readme_images(folder: Path, docs: Path, work: Path) -> tuple[Path, Path]:
    """The README's contact sheet (portrait, light and dark) and annotated-figure screenshot.

    *folder* is an unzipped EPUB; the full-size screenshots go to *work*.
    """
    from PIL import Image

    pages = spine_pages(folder)
    shots: list[Shot] = []
    work.mkdir(parents=True, exist_ok=True)
    with serve(folder) as base, browser() as chromium:
        for scheme in SCHEMES:
            shots += shoot(chromium, base, folder, pages, work, "portrait", scheme)[0]
        figure = docs / "figure-page.png"
        figure_screenshot(chromium, base, folder, pages, figure)
    shots.sort(key=lambda s: (s.number, SCHEMES.index(s.scheme)))
    sheet = contact_sheet(shots, docs / "contact-sheet.png", columns=6, scale=0.25)
    with Image.open(sheet) as image:
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(sheet, optimize=True)
    return sheet, figure


def figure_screenshot(chromium, base: str, folder: Path, pages: list[Path], target: Path) -> Path:
    """Screenshot the annotated figure with the most tap targets at 820×1180, scrolled to it."""
    context = new_context(chromium, "portrait", "light")
    try:
        page = context.new_page()
        best = None   # (taps, page, figure index)
        for path in pages:
            open_page(page, url_for(base, folder, path))
            counts = page.evaluate(_TAPS_PER_FIGURE)
            for index, taps in enumerate(counts):
                if best is None or taps > best[0]:
                    best = (taps, path, index)
        if best is None:
            raise BookletError("no page has an annotated figure (.tp-figure)", folder)
        open_page(page, url_for(base, folder, best[1]))
        page.evaluate(_SCROLL_TO_FIGURE, best[2])
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target))
        return target
    finally:
        context.close()


_TAPS_PER_FIGURE = "() => Array.from(document.querySelectorAll('.tp-figure'), f => f.querySelectorAll('.tap').length)"
_SCROLL_TO_FIGURE = """(index) => {
  const figure = document.querySelectorAll('.tp-figure')[index];
  window.scrollTo(0, figure.getBoundingClientRect().top + window.scrollY - 24);
}"""

"""Preview a booklet as an iPad reader shows it: every page, through a real reading engine.

The pages are laid out by foliate-js, the reading system of ``booklet studio`` (see
:mod:`booklet.studio.shots`): paginated at iPad portrait (820×1180) and landscape
(1180×820), in the reader's light and night themes, with footnote and glossary notes
hidden in the page as a reader hides them. Beside the pages, once per chapter: a figure's
popup open, and a quiz answered. The shots are gathered into one contact sheet. Each spine
page is also loaded alone in the plain browser, where one that scrolls sideways or logs a
console or page error is reported as a problem.

The EPUB is ``<root>/dist/<slug>.epub``, rebuilt first (without EPUBCheck) when a source has
changed since it was made, as ``booklet build`` would see it; screenshots of an earlier
preview are removed first, so the folder holds only this one's.

Playwright and Debian's Chromium are needed only here, and are imported and looked for
only when a preview runs.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
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
    label: str = ""       # which page of the section, or what was tapped


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
    rebuilt: bool = False
    removed: int = 0          # screenshots of an earlier preview removed


# --- finding and opening the booklet ---------------------------------------------------

def fresh_epub(root: Path, slug: str) -> tuple[Path, bool]:
    """``<root>/dist/<slug>.epub`` as its sources are now, and whether it had to be (re)built.

    The build decides, as ``booklet build`` would: an EPUB whose sources have not changed is
    used as it is; a missing or stale one is rebuilt (without EPUBCheck) and put in place.
    """
    from booklet.pipeline import BuildOptions, build

    [result] = build(BuildOptions(root=root, out=root / "dist", slugs=[slug], validate=False))
    if result.errors:
        raise BuildErrors(result.errors)
    if result.epub is None or not result.epub.is_file():
        raise BookletError(f"booklet {slug!r} did not build", root / "chapters" / slug)
    return result.epub, not result.cached


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

def check_pages(chromium, base: str, folder: Path, pages: list[Path], orientation: str) -> list[PageProblem]:
    """Load each page alone in the plain browser; note the ones that scroll sideways or log errors."""
    problems = []
    context = new_context(chromium, orientation)
    try:
        page = context.new_page()
        seen = watch(page)
        for path in pages:
            seen.clear()
            wide = check_width(open_page(page, url_for(base, folder, path)), VIEWPORTS[orientation][0])
            for message in ([wide] if wide else []) + list(seen):
                problems.append(PageProblem(path.name, orientation, "light", message))
    finally:
        context.close()
    return problems


def shoot_reader(chromium, url: str, out: Path, orientation: str, scheme: str,
                 extras: bool) -> tuple[list[Shot], list[PageProblem]]:
    """Every page in the reader in one viewport and theme (and, with *extras*, popups and quizzes)."""
    from booklet.studio import shots as reader

    suffix = f"{orientation}-{scheme}"
    made, problems = [], []
    context = new_context(chromium, orientation, scheme)
    try:
        page = reader.open_reader(context, url, reader.THEMES[scheme], orientation)
        seen = watch(page)
        for number, (index, name) in enumerate(reader.sections(page), 1):
            taken = reader.shoot_section(page, index, name, number, out, suffix)
            if extras:
                taken += [x for x in (reader.shoot_popup(page, index, name, number, out, suffix),
                                      reader.shoot_quiz(page, index, name, number, out, suffix)) if x]
            made += [Shot(t.number, t.section, orientation, scheme, t.path, _label(t)) for t in taken]
        problems += [PageProblem("reader", orientation, scheme, message) for message in seen]
    finally:
        context.close()
    return made, problems


def _label(shot) -> str:
    if shot.kind == "page":
        return f"page {shot.page} of {shot.pages}"
    return "figure popup open" if shot.kind == "popup" else "quiz answered"


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
        more = f" · {shot.label}" if shot.label else f" · 1 of {screens} screens" if screens > 1 else ""
        draw.text((x, y + cell + 21), f"{shot.orientation}, {shot.scheme}{more}", fill="#55555c", font=small)
    target.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(target, optimize=True)
    return target


# --- the whole preview -----------------------------------------------------------------

# The names this module gives its files: an earlier preview's are removed before a new one.
OWN_NAMES = re.compile(r"^\d\d-.+-(portrait|landscape)-(light|dark)\.png$|^contact-sheet\.png$")


def clear_old(out: Path) -> int:
    """Remove the screenshots and contact sheet of an earlier preview from *out*; return how many."""
    removed = 0
    for path in out.glob("*.png") if out.is_dir() else []:
        if OWN_NAMES.match(path.name) and path.is_file():
            path.unlink()
            removed += 1
    return removed


def preview_epub(root: Path, slug: str, epub: Path, out: Path, orientations=tuple(VIEWPORTS),
                 schemes=SCHEMES, title: str | None = None) -> PreviewResult:
    """Screenshot *epub* in the reader into *out* (cleared of an earlier preview), check its pages."""
    from booklet.studio.shots import reader

    result = PreviewResult(out, removed=clear_old(out))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"booklet-preview-{slug}-") as temp, \
            reader(root, slug, epub) as url, browser() as chromium:
        folder = unzip(epub, Path(temp))
        with serve(folder) as base:
            for orientation in orientations:
                result.problems += check_pages(chromium, base, folder, spine_pages(folder), orientation)
        for orientation in orientations:
            for scheme in schemes:
                extras = (orientation, scheme) == (orientations[0], schemes[0])
                made, problems = shoot_reader(chromium, url, out, orientation, scheme, extras)
                result.shots += made
                result.problems += problems
    firsts = [s for s in result.shots if s.label.startswith("page 1 ") or not s.label.startswith("page")]
    result.contact_sheet = contact_sheet(firsts, out / "contact-sheet.png",
                                         columns=len(orientations) * len(schemes) + 1, title=title)
    return result


def preview(root: Path, slug: str, out: Path | None = None, orientations=tuple(VIEWPORTS),
            schemes=SCHEMES) -> PreviewResult:
    """Rebuild *slug* if its EPUB is missing or stale, then preview it into *out*
    (default ``<root>/dist/preview/<slug>``)."""
    root = root.resolve()
    find_chromium()   # fail before building when there is no browser
    epub, rebuilt = fresh_epub(root, slug)
    out = out or root / "dist" / "preview" / slug
    result = preview_epub(root, slug, epub, out, orientations, schemes, title=f"{slug} · {epub.name}")
    result.rebuilt = rebuilt
    return result

"""Regenerate docs/img/readers-*.png: the same figure page of a shipped booklet in each engine.

    python tools/reader_screenshots.py [--out docs/img] [--slug gluteus-medius]

Builds the booklet (strict, into a temporary folder), then shows the page of its anatomy
figure in MuPDF (PyMuPDF, 820×1180 pt at 14 pt), Calibre's PDF conversion, epub.js 0.3.93 and
foliate-js (both in Chromium at 820×1180). Needs what tests/test_readers.py needs.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from booklet.pipeline import BuildOptions, build  # noqa: E402
from booklet.publish.preview import browser, new_context, serve  # noqa: E402
from tools import reader_engines as engines  # noqa: E402

CAPTION = "The gluteus medius and its bony landmarks"   # the anatomy figure: labels and notes
CHAPTER = "chapter-02.xhtml"
WIDTH = 400                                              # of each screenshot in the docs


def save(image: Image.Image, target: Path) -> Path:
    """Scale *image* to the docs' width and save it as a small PNG."""
    image = image.convert("RGB")
    image = image.resize((WIDTH, round(image.height * WIDTH / image.width)), Image.LANCZOS)
    # 256 colours: a third of the bytes, and the same picture at this size.
    image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(target, optimize=True)
    return target


def pdf_page(doc, target: Path) -> Path:
    """The first page of *doc* (a PyMuPDF document) that shows the figure's caption."""
    page = next(p for p in doc if CAPTION in engines.norm(p.get_text()))
    pix = page.get_pixmap(dpi=round(72 * 2 * WIDTH / page.rect.width))
    return save(Image.frombytes("RGB", (pix.width, pix.height), pix.samples), target)


def browser_shots(epub: Path, slug: str, work: Path, out: Path) -> list[Path]:
    """The figure page in epub.js and in foliate-js."""
    site = engines.reader_site({slug: epub}, work / "site")
    shots = []
    with serve(site) as base, browser() as chromium:
        context = new_context(chromium)
        page = context.new_page()
        page.goto(base + "epubjs.html")
        page.evaluate("url => openBook(url)", f"{base}{slug}.epub")
        page.evaluate("href => rendition.display(href)", f"{CHAPTER}#fig-anatomy")
        page.wait_for_timeout(500)
        page.screenshot(path=str(work / "epubjs.png"))
        shots.append(save(Image.open(work / "epubjs.png"), out / "readers-epubjs.png"))
        page = context.new_page()
        page.goto(base + "foliate.html")
        page.wait_for_function("window.ready === true")
        page.evaluate("url => openBook(url)", f"{base}{slug}.epub")
        page.evaluate("href => view.goTo(href)", f"EPUB/{CHAPTER}#fig-anatomy")
        page.wait_for_timeout(800)
        page.screenshot(path=str(work / "foliate.png"))
        shots.append(save(Image.open(work / "foliate.png"), out / "readers-foliate.png"))
        context.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=engines.REPO / "docs" / "img")
    parser.add_argument("--slug", default="gluteus-medius")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        result = next(r for r in build(BuildOptions(root=engines.REPO, out=work / "dist", strict=True,
                                                    slugs=[args.slug])) if r.slug == args.slug)
        if not result.epub:
            print(f"{args.slug} did not build", file=sys.stderr)
            return 1
        shots = [pdf_page(engines.mupdf_open(result.epub, 820, 1180, 14), args.out / "readers-mupdf.png")]
        import pymupdf

        engines.calibre_convert(result.epub, work / "calibre.pdf")
        shots.append(pdf_page(pymupdf.open(work / "calibre.pdf"), args.out / "readers-calibre.png"))
        shots += browser_shots(result.epub, args.slug, work, args.out)
    for shot in shots:
        print(f"wrote {shot.relative_to(engines.REPO) if shot.is_relative_to(engines.REPO) else shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``booklet figure FILE.toml``: render one figure file to a PNG, for authors who edit by hand."""
from __future__ import annotations

import io
import time
from pathlib import Path

from booklet.errors import BookletError, display_path


def add_parser(sub) -> None:
    parser = sub.add_parser(
        "figure", help="render one figure file to a PNG (optionally with a 0..1 grid and the tap targets)",
        description="Check one figure file and render it as the build would, without building the booklet: "
                    "the quick way to see where markers, zones and labels land while you edit the file.")
    parser.add_argument("file", type=Path, metavar="FILE.toml", help="the figure file")
    parser.add_argument("--grid", action="store_true",
                        help="draw a 0..1 grid over it: lines every 0.05, labelled every 0.1")
    parser.add_argument("--taps", action="store_true",
                        help="draw each tap target at its real size when the figure fills an 820 px page")
    parser.add_argument("--out", type=Path, metavar="PNG",
                        help="where to write the picture (default: FILE.figure.png in the current folder)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from booklet.figures import load_figure, render_figure

    start = time.perf_counter()
    if args.file.suffix.lower() != ".toml" or not args.file.is_file():
        raise BookletError("not a figure file", args.file, hint="name a .toml figure file, e.g. images/SLUG/anatomy.toml")
    fig = load_figure(args.file)
    out = args.out or Path(f"{args.file.stem}.figure.png")
    if out.exists() and out.resolve() == fig.base:
        raise BookletError("--out names the figure's own base image", out, hint="write the picture elsewhere")
    rendered = render_figure(fig, grid=args.grid, fonts=_booklet_fonts(args.file), taps=args.taps)
    out.write_bytes(_as_png(rendered.data) if rendered.ext != "png" else rendered.data)
    for warning in fig.warnings:
        print(f"warning: {warning}")
    seconds = time.perf_counter() - start
    print(f"wrote {display_path(out)} ({rendered.width} x {rendered.height}) in {seconds:.2f} s")
    return 0


def _as_png(data: bytes) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    with Image.open(io.BytesIO(data)) as image:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _booklet_fonts(path: Path):
    """The fonts of the booklet a figure in ROOT/images/SLUG/ belongs to: its language and font."""
    from booklet.figures.fonts import TextFonts
    from booklet.model import source_dir
    from booklet.read.assets import AssetStore
    from booklet.read.config import read_toml

    folder = path.resolve().parent
    root, slug = folder.parent.parent, folder.name
    config = source_dir(root, slug) / "booklet.toml"
    if folder.parent.name != "images" or not config.is_file():
        return TextFonts()
    table = read_toml(config)[0].get("booklet", {})
    language = table.get("language") if isinstance(table.get("language"), str) else "en"
    font = table.get("font")
    named = AssetStore(root, folder).resolve(font, config.parent) if isinstance(font, str) else None
    return TextFonts(language, named)

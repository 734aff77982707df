"""Subset the theme's OFL fonts to the Latin, Greek and punctuation ranges booklets use.

The full Lato and Noto Serif files weigh 3 MB together, more than a booklet's text and
figures; the subsets keep every European Latin letter, Greek, arrows and math signs used
in anatomy text, at about a tenth of the size. Readers fall back to their own fonts for
anything else (CJK, Hebrew...). Sources: Debian's fonts-lato and fonts-noto-core.

    apt-get install fonts-lato fonts-noto-core && python tools/subset_fonts.py
"""
from pathlib import Path

from fontTools import subset

FONTS = {
    "Lato-Regular.ttf": "/usr/share/fonts/truetype/lato/Lato-Regular.ttf",
    "Lato-Bold.ttf": "/usr/share/fonts/truetype/lato/Lato-Bold.ttf",
    "NotoSerif-Regular.ttf": "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
    "NotoSerif-Italic.ttf": "/usr/share/fonts/truetype/noto/NotoSerif-Italic.ttf",
    "NotoSerif-Bold.ttf": "/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf",
}
# Basic Latin to Latin Extended-B; Greek; general punctuation, super/subscripts, currency;
# a few symbols (arrows, minus, ≈ ≠ ≤ ≥, ▶ ●) and the replacement character.
UNICODES = ("U+0020-024F,U+0370-03FF,U+2000-206F,U+2070-209F,U+20A0-20BF,U+2116,U+2122,"
            "U+2190-2199,U+2212,U+2248,U+2260,U+2264,U+2265,U+25B6,U+25CF,U+FFFD")
OUT = Path(__file__).resolve().parent.parent / "templates" / "fonts"


def main() -> None:
    for name, source in FONTS.items():
        options = subset.Options()
        options.layout_features = ["kern", "liga", "calt", "ccmp", "locl", "mark", "mkmk"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False           # screens of tablets do not use TrueType hints
        font = subset.load_font(source, options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
        subsetter.subset(font)
        subset.save_font(font, OUT / name, options)
        print(f"{name}: {(OUT / name).stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()

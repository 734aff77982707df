"""Make the per-script fonts that figure legends and drawn covers use for other scripts.

Lato covers Latin and Greek. For right-to-left booklets booklet ships Noto Sans Hebrew and
Noto Sans Arabic (OFL, see templates/fonts/OFL-Noto.txt), instanced at the regular weight
and subset to their scripts plus ASCII. CJK fonts are megabytes even when subset to common
characters, so a CJK booklet names its own font in booklet.toml (``font = "..."``); the
tests use a few characters of Noto Sans CJK JP, made here too. Sources, from PyPI:

    pip download --no-deps pylopdf-fonts-he fontpkg-noto-sans-arabic noto-cjk-sans-jp-regular
    (unzip the wheels into one folder)
    python tools/subset_script_fonts.py FOLDER
"""
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

REPO = Path(__file__).resolve().parent.parent
ASCII = "U+0020-007E,U+00A0,U+2010-2027,U+FFFD"
FONTS = {
    # target: (source inside FOLDER, axis values, unicodes)
    REPO / "templates" / "fonts" / "NotoSansHebrew-Regular.ttf": (
        "pylopdf_fonts_he/NotoSansHebrew-Variable.ttf", {"wght": 400, "wdth": 100},
        "U+0590-05FF,U+FB1D-FB4F,U+200E-200F," + ASCII),
    REPO / "templates" / "fonts" / "NotoSansArabic-Regular.ttf": (
        "fontpkg_noto_sans_arabic/files/NotoSansArabic[wdth,wght].ttf", {"wght": 400, "wdth": 100},
        "U+0600-06FF,U+0750-077F,U+08A0-08FF,U+FB50-FDFF,U+FE70-FEFF,U+200C-200F," + ASCII),
    REPO / "tests" / "fonts" / "NotoSansCJKjp-Regular-subset.otf": (
        "noto_cjk_sans_jp_regular/NotoSansCJKjp-Regular.otf", None,
        "U+0020-007E," + ",".join(f"U+{ord(c):04X}" for c in "中臀筋の圧痛点関連痛一二三大小肩首日本語")),
}


def main(folder: Path) -> None:
    for target, (source, axes, unicodes) in FONTS.items():
        font = TTFont(folder / source)
        if axes and "fvar" in font:
            font = instancer.instantiateVariableFont(font, {k: v for k, v in axes.items()
                                                            if k in {a.axisTag for a in font["fvar"].axes}})
        options = subset.Options()
        options.layout_features = ["*"]           # shaping: joining forms, marks, ligatures
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(unicodes))
        subsetter.subset(font)
        target.parent.mkdir(parents=True, exist_ok=True)
        font.save(target)
        print(f"{target.relative_to(REPO)}: {target.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""The fonts drawn text uses: shipped ones from ``templates/fonts/``, one per script, or the booklet's own."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont, features

from booklet.errors import ContentError, EnvironmentProblem


def font_path(name: str) -> Path:
    """The path of a font shipped with booklet, e.g. ``font_path("Lato-Regular.ttf")``.

    Looks in ``templates/fonts/`` beside the ``booklet`` package (a source checkout),
    then in ``booklet/templates/fonts/`` (a packaged copy).
    """
    import booklet

    package = (Path(booklet.__file__).parent if getattr(booklet, "__file__", None)
               else Path(__file__).resolve().parent.parent)
    candidates = [package.parent / "templates" / "fonts" / name,
                  package / "templates" / "fonts" / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise EnvironmentProblem(f"font {name} not found",
                             path=candidates[0],
                             hint="booklet ships it in templates/fonts/; reinstall booklet")


@lru_cache(maxsize=16)
def shipped_font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """A shipped font at ``size`` px, laid out without libraqm (the same bytes everywhere)."""
    return ImageFont.truetype(str(font_path(name)), size, layout_engine=ImageFont.Layout.BASIC)


# --------------------------------------------------------------------------------------
# Fonts per script: text drawn into pictures in the booklet's language (issue 15 item 8)
# --------------------------------------------------------------------------------------

#: The shipped font for a language whose script Lato lacks (by primary language subtag).
LANGUAGE_FONTS = {
    "he": "NotoSansHebrew-Regular.ttf", "yi": "NotoSansHebrew-Regular.ttf",
    "ar": "NotoSansArabic-Regular.ttf", "fa": "NotoSansArabic-Regular.ttf",
    "ur": "NotoSansArabic-Regular.ttf", "ps": "NotoSansArabic-Regular.ttf",
}
#: Bidi classes of right-to-left text, and scripts that need shaping even left to right.
RTL_CLASSES = {"R", "AL", "AN"}
SHAPED_RANGES = ((0x0590, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x0EFF), (0x1000, 0x109F),
                 (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))


@lru_cache(maxsize=32)
def font_characters(path: Path) -> frozenset[int]:
    """The code points a font file has glyphs for (its cmap)."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            return frozenset(font.getBestCmap() or {})
    except (TTLibError, OSError, AssertionError, KeyError) as exc:
        raise ContentError(f"font {path.name} cannot be read: {exc}", path=path,
                           hint="name a TrueType (.ttf) or OpenType (.otf) font file") from None


def needs_layout(text: str) -> bool:
    """Right-to-left or shaped text: laid out by libraqm rather than character by character."""
    return any(unicodedata.bidirectional(ch) in RTL_CLASSES
               or any(lo <= ord(ch) <= hi for lo, hi in SHAPED_RANGES) for ch in text)


def _drawn(text: str) -> set[str]:
    """The characters of ``text`` that need a glyph (not spaces, controls or joiners)."""
    return {ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf")}


@dataclass(frozen=True)
class TextFonts:
    """The fonts a booklet's drawn text may use, in order: the font named in booklet.toml,
    the shipped font for its language's script, the given Latin font (Lato), then the other
    shipped script fonts (a Hebrew name in an English booklet)."""

    language: str = "en"
    named: Path | None = None

    def candidates(self, latin: Path) -> list[Path]:
        paths = [self.named] if self.named else []
        script = LANGUAGE_FONTS.get(self.language.split("-")[0].lower())
        if script:
            paths.append(font_path(script))
        paths.append(latin)
        others = [font_path(name) for name in sorted(set(LANGUAGE_FONTS.values()))]
        return paths + [p for p in others if p not in paths]

    def choose(self, text: str, latin: Path) -> Path:
        """The first font with every character of ``text`` (Latin text keeps the Latin font).

        Raises :class:`MissingGlyphs` naming the characters no candidate can draw, and
        :class:`ContentError` when each has a font but no one font has them all.
        """
        runs = self.runs(text, latin)
        if len(runs) > 1:
            raise ContentError(f"no one font draws all of {text!r}",
                               hint='name a font with every script of this text in booklet.toml: font = "....ttf"')
        return runs[0][1]

    def runs(self, text: str, latin: Path) -> list[tuple[str, Path]]:
        """``text`` cut into runs, each with the first candidate font that has all its characters."""
        wanted = _drawn(text)
        if _shipped_ascii(wanted, latin) or all(ord(ch) in font_characters(latin) for ch in wanted):
            return [(text, latin)]        # the common case: the picture stays as it always was
        candidates = self.candidates(latin)
        whole = next((p for p in candidates if all(ord(ch) in font_characters(p) for ch in wanted)), None)
        if whole is not None:
            return [(text, whole)]
        missing = sorted(ch for ch in wanted if not any(ord(ch) in font_characters(p) for p in candidates))
        if missing:
            raise MissingGlyphs(missing, [p.name for p in candidates])
        # Mixed scripts: each character in the font of the run before it if that has it, else
        # Latin in the Latin font, else the first candidate that has it.
        order = [latin] + [p for p in candidates if p != latin]
        runs: list[tuple[str, Path]] = []
        for ch in text:
            if runs and (ch not in wanted or ord(ch) in font_characters(runs[-1][1])):
                path = runs[-1][1]
            else:
                path = next(p for p in order if ch not in wanted or ord(ch) in font_characters(p))
            if runs and runs[-1][1] == path:
                runs[-1] = (runs[-1][0] + ch, path)
            else:
                runs.append((ch, path))
        return runs

    def font(self, text: str, size: int, latin: Path) -> ImageFont.FreeTypeFont:
        """A font at ``size`` px that draws ``text``, laid out with libraqm when the text needs it."""
        return sized_font(self.choose(text, latin), size, text)

    def fonts(self, text: str, size: int, latin: Path) -> list[tuple[str, ImageFont.FreeTypeFont]]:
        """``text`` as runs, each with its font at ``size`` px, in reading order left to right."""
        runs = [(part, sized_font(path, size, part)) for part, path in self.runs(text, latin)]
        if len(runs) > 1 and _rtl_first(text):
            runs.reverse()                # a right-to-left line: its first run is drawn rightmost
        return runs


#: The shipped Latin fonts: each has every printable ASCII character (tests/test_script_fonts.py).
SHIPPED_LATIN = ("Lato-Regular.ttf", "Lato-Bold.ttf", "NotoSerif-Regular.ttf", "NotoSerif-Italic.ttf",
                 "NotoSerif-Bold.ttf")


def _shipped_ascii(wanted: set[str], latin: Path) -> bool:
    """Plain ASCII in a shipped Latin font (or a root's copy of one): known drawable without
    reading the font's cmap (fontTools costs 40 ms a process, and most booklets draw nothing else)."""
    return all(" " < ch <= "~" for ch in wanted) and _is_shipped_latin(latin)


@lru_cache(maxsize=32)
def _is_shipped_latin(path: Path) -> bool:
    if path.name not in SHIPPED_LATIN:
        return False
    shipped = font_path(path.name)
    try:
        return path == shipped or path.stat().st_size == shipped.stat().st_size and \
            path.read_bytes() == shipped.read_bytes()
    except OSError:
        return False


def _rtl_first(text: str) -> bool:
    """Is the first strongly directional character of ``text`` right-to-left?"""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("L", "R", "AL"):
            return kind != "L"
    return False


def sized_font(path: Path, size: int, text: str) -> ImageFont.FreeTypeFont:
    """``path`` at ``size`` px, with libraqm's layout only when ``text`` needs it (and it is there)."""
    return _sized(path, size, needs_layout(text) and features.check("raqm"))


def draw_runs(draw, xy, runs, fill, anchor: str = "lm") -> None:
    """Draw text runs of several fonts one after the other from ``xy`` (a left anchor)."""
    x, y = xy
    for part, font in runs:
        draw.text((x, y), part, font=font, fill=fill, anchor=anchor)
        x += font.getlength(part)


class MissingGlyphs(ContentError):
    """Characters that no shipped or named font can draw."""

    def __init__(self, characters: list[str], fonts: list[str]):
        shown = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in characters[:12])
        more = f" and {len(characters) - 12} more" if len(characters) > 12 else ""
        super().__init__(f"no font can draw {shown}{more} (tried {', '.join(fonts)})",
                         hint='name a font file that has them in booklet.toml: font = "fonts/....ttf"')
        self.characters = characters


@lru_cache(maxsize=64)
def _sized(path: Path, size: int, raqm: bool) -> ImageFont.FreeTypeFont:
    # BASIC unless the text needs shaping: the same glyph placement on every machine.
    engine = ImageFont.Layout.RAQM if raqm else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, layout_engine=engine)

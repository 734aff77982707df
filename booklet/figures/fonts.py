"""The fonts a figure's raster is drawn with: shipped ones from ``templates/fonts/``."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from booklet.errors import EnvironmentProblem


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

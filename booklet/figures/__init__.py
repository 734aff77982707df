"""Annotated anatomy figures: a TOML figure file -> a composited raster + tappable XHTML.

    fig = load_figure(path)                  # validate; raises ConfigError / BuildErrors
    img = render_figure(fig)                 # RenderedImage(data, media_type, ext, width, height)
    html, asides = figure_markup(fig, image_href=..., width=img.width, height=img.height,
                                 alt=..., caption=..., id_prefix="fig-...")

The file format is documented in docs/figures.md.
"""
from .load import load_figure
from .markup import figure_markup
from .model import Callout, Figure, Legend, Marker, RenderedImage, Zone
from .fonts import font_path
from .render import output_size, render_figure

__all__ = [
    "Callout",
    "Figure",
    "Legend",
    "Marker",
    "RenderedImage",
    "Zone",
    "figure_markup",
    "font_path",
    "load_figure",
    "output_size",
    "render_figure",
]

"""Plain data objects for annotated anatomy figures.

A figure file (TOML) is parsed by :func:`booklet.figures.load.load_figure` into a
:class:`Figure`; :func:`booklet.figures.render.render_figure` turns it into a
:class:`RenderedImage` and :func:`booklet.figures.markup.figure_markup` into XHTML.

All coordinates are fractions of the base image: ``0..1``, origin top-left.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .geometry import zone_outline

Point = tuple[float, float]
ZoneKind = Literal["essential", "spillover"]
LegendPosition = Literal["top-left", "top-right", "bottom-left", "bottom-right", "none"]

#: Zone kinds, in the order the legend shows them.
ZONE_KINDS: tuple[str, ...] = ("essential", "spillover")
LEGEND_POSITIONS: tuple[str, ...] = ("top-left", "top-right", "bottom-left", "bottom-right", "none")


@dataclass(frozen=True)
class Marker:
    """A trigger point, drawn as a bold X."""

    id: str
    label: str
    x: float
    y: float
    note: str
    line: int | None = None          # line of the ``[[marker]]`` header, for messages
    number: int | None = None        # drawn in the marker and beside its legend line (1..99)
    color: tuple[int, int, int] | None = None   # the hue of this point and of its zones


@dataclass(frozen=True)
class Zone:
    """A referred pain zone: a polygon, solid (essential) or stippled (spillover)."""

    id: str
    label: str
    points: tuple[Point, ...]
    kind: ZoneKind
    note: str
    for_: str | None = None          # id of the marker whose pain this is (TOML key ``for``)
    tap: Point | None = None         # where its tap target goes; None = a point inside it
    line: int | None = None
    smooth: bool = False             # drawn as a closed smooth curve through its points

    @property
    def outline(self) -> tuple[Point, ...]:
        """The polygon the raster fills and the tap layer uses: the same for both."""
        return zone_outline(self.points, self.smooth)


@dataclass(frozen=True)
class Callout:
    """A text label with a leader line from ``at`` (the structure) to ``label_at``."""

    text: str
    at: Point
    label_at: Point
    align: Literal["auto", "start", "middle", "end"] = "auto"
    line: int | None = None


@dataclass(frozen=True)
class Legend:
    """Where the raster legend goes and what its lines say."""

    position: LegendPosition = "bottom-right"
    essential: str = "Essential referred pain"
    spillover: str = "Spillover referred pain"
    marker: str = "Trigger point"


@dataclass
class Figure:
    """A validated figure file."""

    path: Path                       # the .toml file
    base: Path                       # the base image (resolved, inside the figure's folder)
    base_format: Literal["PNG", "JPEG"]
    base_size: tuple[int, int]       # (width, height) of the base image in pixels
    title: str | None = None
    markers: list[Marker] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    callouts: list[Callout] = field(default_factory=list)
    legend: Legend = field(default_factory=Legend)
    warnings: list[str] = field(default_factory=list)

    def marker(self, marker_id: str) -> Marker | None:
        for m in self.markers:
            if m.id == marker_id:
                return m
        return None


@dataclass(frozen=True)
class RenderedImage:
    """The composited figure image, ready to be written into the EPUB."""

    data: bytes
    media_type: Literal["image/png", "image/jpeg"]
    ext: Literal["png", "jpg"]
    width: int
    height: int

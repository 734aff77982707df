"""The data model: what a booklet is made of, apart from the stages that make it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


# Where a booklet's files are under a root: the one place that spells the layout out.
def source_dir(root: Path, slug: str) -> Path:
    """The folder of a booklet's chapters, booklet.toml and glossary.toml."""
    return root / "chapters" / slug


def image_dir(root: Path, slug: str) -> Path:
    """The folder of a booklet's images and figure files."""
    return root / "images" / slug


def config_path(root: Path, slug: str) -> Path:
    """A booklet's booklet.toml."""
    return source_dir(root, slug) / "booklet.toml"


@dataclass(frozen=True)
class Metadata:
    """The ``[booklet]`` table of a booklet.toml, validated."""

    title: str
    author: str
    language: str
    identifier: str
    subtitle: str | None = None
    description: str | None = None
    publisher: str | None = None
    rights: str | None = None
    subjects: tuple[str, ...] = ()
    date: str | None = None
    series: str | None = None
    series_index: float | None = None
    cover: str | None = None
    chapters: tuple[str, ...] | None = None
    partners: tuple[str, ...] = ()
    download_base: str | None = None
    accessibility_summary: str | None = None
    allow_scripts: bool = False
    font: str | None = None            # a font file for text drawn into the cover and figures


@dataclass(frozen=True)
class GlossaryTerm:
    """A glossary entry; its name or an alias is linked at first use in each chapter."""

    name: str
    definition: str
    aliases: tuple[str, ...] = ()
    line: int | None = None

    @property
    def slug(self) -> str:
        from booklet.render.ids import slugify

        return "gloss-" + slugify(self.name)


@dataclass
class Chapter:
    """One Markdown file of a booklet."""

    path: Path
    text: str
    title: str
    title_line: int
    number: int

    @property
    def href(self) -> str:
        return f"chapter-{self.number:02d}.xhtml"


@dataclass
class Booklet:
    """Everything the stages need to know about one booklet, read from its root."""

    slug: str
    root: Path
    config_path: Path
    meta: Metadata
    chapters: list[Chapter] = field(default_factory=list)
    glossary: list[GlossaryTerm] = field(default_factory=list)
    glossary_path: Path | None = None
    partners: list["PartnerInfo"] = field(default_factory=list)

    @property
    def source_dir(self) -> Path:
        return source_dir(self.root, self.slug)

    @property
    def image_dir(self) -> Path:
        return image_dir(self.root, self.slug)


@dataclass(frozen=True)
class PartnerInfo:
    """What a booklet shows of a partner booklet."""

    slug: str
    title: str
    subtitle: str | None
    description: str | None
    href: str | None


@dataclass
class Resource:
    """A file inside the EPUB other than a page: image, font, stylesheet, script."""

    href: str
    media_type: str
    data: bytes
    properties: tuple[str, ...] = ()
    source: Path | None = None


@dataclass
class Page:
    """An XHTML content document of the EPUB, in reading order."""

    href: str
    title: str
    xhtml: str
    kind: str = "chapter"          # cover, titlepage, chapter, glossary, partners
    linear: bool = True
    source: Path | None = None
    # (xhtml line, source line) pairs, for pointing EPUBCheck findings back at Markdown.
    line_map: list[tuple[int, int]] = field(default_factory=list)
    headings: list[tuple[int, str, str]] = field(default_factory=list)  # (level, id, text)


@dataclass
class RenderedBooklet:
    """The output of the render stage, ready to be packaged."""

    booklet: Booklet
    pages: list[Page]
    resources: list[Resource]
    cover_href: str
    modified: str            # ISO 8601, UTC, from SOURCE_DATE_EPOCH or the newest source
    figure_count: int = 0
    figures_used: set = field(default_factory=set)
    glossary_used: set = field(default_factory=set)
    cover_thumbnail: tuple | None = None   # (JPEG bytes, (width, height)) of a drawn cover

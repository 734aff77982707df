"""What the Markdown extensions of one chapter share: the booklet, the assets, the notes."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from markdown import Extension
from markdown.treeprocessors import Treeprocessor

from booklet.read.assets import AssetStore
from booklet.errors import ContentError, Report
from booklet.render.ids import IdAllocator
from booklet.model import Booklet, Chapter


@dataclass
class ChapterContext:
    """State for rendering one chapter; the extensions add to it, the render stage reads it."""

    booklet: Booklet
    chapter: Chapter
    assets: AssetStore
    report: Report
    ids: IdAllocator = field(default_factory=IdAllocator)
    figure_notes: dict = field(default_factory=dict)            # a figure note -> the id it is written under
    note_elements: list = field(default_factory=list)           # popup notes as element trees
    figures_used: set[Path] = field(default_factory=set)
    figure_count: int = 0
    quiz_count: int = 0
    failed_sources: set[str] = field(default_factory=set)       # reported once, not again
    glossary_used: set[str] = field(default_factory=set)
    headings: list[tuple[int, str, str]] = field(default_factory=list)
    figures: object = None            # a FigureJobs rendering figure files ahead, or None
    chapter_hrefs: dict[str, str] = field(default_factory=dict)   # "01-intro.md" -> "chapter-01.xhtml"

    def line_of(self, needle: str) -> int | None:
        """Return the first line of the chapter source that contains *needle*."""
        for number, line in enumerate(self.chapter.text.splitlines(), 1):
            if needle and needle in line:
                return number
        return None

    def error(self, exc: ContentError, needle: str = "") -> None:
        """Record an error against this chapter, at the line where *needle* appears."""
        exc.path = exc.path or self.chapter.path
        if exc.line is None:
            exc.line = self.line_of(needle)
        self.report.error(exc)

    def warn(self, message: str, needle: str = "", hint: str | None = None, code: str | None = None) -> None:
        self.report.warn(message, self.chapter.path, self.line_of(needle), hint=hint, code=code)


class ChapterTreeprocessor(Treeprocessor):
    """A tree processor that reports into its chapter's context."""

    def __init__(self, md, ctx: ChapterContext):
        super().__init__(md)
        self.ctx = ctx


class ChapterExtension(Extension):
    """Register one ChapterTreeprocessor under a name and a priority (higher runs first)."""

    processor: type[ChapterTreeprocessor]
    name: str
    priority: int

    def __init__(self, ctx: ChapterContext):
        super().__init__()
        self.ctx = ctx

    def extendMarkdown(self, md):
        md.treeprocessors.register(self.processor(md, self.ctx), self.name, self.priority)

"""Source rules: the booklet's own files, which only a build can judge (figure files, glossary, encoding)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from booklet.errors import BookletError, Report
from booklet.check.lint.model import ERROR, WARNING, Hit, rule
from booklet.model import image_dir, source_dir

TEXT_SUFFIXES = (".md", ".markdown", ".toml", ".txt", ".svg", ".css")


@dataclass(frozen=True)
class Sources:
    """What the lint needs to know of a build: where the booklet is and what it used."""

    root: Path
    slug: str
    figures_used: frozenset = frozenset()     # paths of the figure files chapters refer to
    glossary_used: frozenset = frozenset()    # names of the glossary terms chapters use

    @property
    def chapters(self) -> Path:
        return source_dir(self.root, self.slug)

    @property
    def images(self) -> Path:
        return image_dir(self.root, self.slug)


@rule("f-005", WARNING, "figure file referenced nowhere", source=True)
def unused_figures(sources: Sources):
    used = {Path(p).resolve() for p in sources.figures_used}
    for path in sorted(sources.images.glob("*.toml")):
        if path.resolve() not in used:
            yield Hit(None, None, f"figure file {path.name} is used in no chapter: refer to it with "
                                  f"![alt text]({path.name}) or delete it", source_path=str(path))


@rule("f-006", ERROR, "source file not UTF-8", source=True)
def not_utf8(sources: Sources):
    files = [p for folder in (sources.chapters, sources.images) if folder.is_dir()
             for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES]
    for path in files:
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            yield Hit(None, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {col}): "
                                  "save the file as UTF-8", source_path=str(path))


@rule("s-010", WARNING, "glossary term used in no chapter", source=True)
def unused_terms(sources: Sources):
    from booklet.read.config import load_glossary

    path = sources.chapters / "glossary.toml"
    if not path.is_file():
        return
    try:
        terms = load_glossary(path, Report())
    except BookletError:        # the build reports a broken glossary itself
        return
    used = {name.casefold() for name in sources.glossary_used}
    for term in terms:
        if term.name.casefold() not in used:
            yield Hit(None, term.line, f"glossary term {term.name!r} is used in no chapter: use it, or "
                                       "remove it from the glossary", source_path=str(path))

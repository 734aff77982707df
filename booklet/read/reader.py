"""Read a booklet root: find the booklets, load their config, chapters and glossary."""
from __future__ import annotations

import functools

import html
import re
from pathlib import Path

from booklet.read.config import XML_INVALID, key_line, load_glossary, load_metadata, read_toml
from booklet.errors import ConfigError, ContentError, Report
from booklet.model import Booklet, Chapter, PartnerInfo, config_path, safety_path, source_dir
from booklet.limits import MAX_CHAPTER_BYTES, MAX_MARKDOWN_NESTING
from booklet.read.depth import markdown_depth
from booklet.read.paths import check_slug, inside, is_file_inside

_TITLE = re.compile(r"^#(?!#)\s*(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def find_slugs(root: Path) -> list[str]:
    """Return the slugs of every booklet under ``<root>/chapters``, sorted."""
    chapters = root / "chapters"
    if not chapters.is_dir():
        raise ContentError("no chapters/ folder here", root,
                           hint="run from a booklet root or pass --root; `booklet new SLUG` makes one")
    return sorted(p.parent.name for p in chapters.glob("*/booklet.toml"))


def read_booklet(root: Path, slug: str, report: Report, partial: bool = False) -> Booklet:
    """Load one booklet's config, chapters and glossary; problems go to *report*.

    Raises them at the end, unless *partial*: then the caller gets what could be read (bad
    config values replaced by placeholders, bad chapters left out) and must raise the
    report's errors itself, after finding those of the later stages too.
    """
    check_slug(slug, root)
    inside(source_dir(root, slug), root, "booklet folder", ConfigError)
    config = config_path(root, slug)
    if not is_file_inside(config, root, "booklet.toml", ConfigError):
        raise ConfigError(f"no booklet named '{slug}'", source_dir(root, slug),
                          hint=f"expected {config.relative_to(root)}; available: "
                               f"{', '.join(find_slugs(root)) or 'none'}")
    meta = load_metadata(config, slug, report, lenient=partial)
    booklet = Booklet(slug=slug, root=root, config_path=config, meta=meta)
    booklet.chapters = _read_chapters(booklet, report)
    booklet.safety = read_safety(root, report)
    glossary = booklet.source_dir / "glossary.toml"
    if is_file_inside(glossary, root, "glossary", ConfigError):
        booklet.glossary_path = glossary
        booklet.glossary = load_glossary(glossary, report)
    booklet.partners = [_partner(root, slug, p, config, report) for p in meta.partners]
    if not partial:
        report.raise_if_errors()
    return booklet


def read_safety(root: Path, report: Report) -> Chapter | None:
    """Read the root's shared safety page (chapters/_series/safety.md), if there is one."""
    path = safety_path(root)
    if not _is_file(path):
        return None
    try:
        return read_chapter(path, 0)
    except ContentError as exc:
        report.error(exc)
        return None


def _chapter_paths(booklet: Booklet, report: Report) -> list[Path]:
    listed = booklet.meta.chapters
    if listed is None:
        found = sorted(booklet.source_dir.glob("*.md"))
        return [p for p in found if _chapter_inside(p, booklet.root, report) and p.is_file()]
    text = booklet.config_path.read_text(encoding="utf-8")
    paths = []
    seen: set[str] = set()
    for name in listed:
        path = (booklet.source_dir / name)
        if Path(name).is_absolute() or ".." in Path(name).parts:
            report.error(ConfigError(f"chapter path {name!r} leaves the booklet folder", booklet.config_path,
                                     key_line(text, "chapters", "booklet"), hint="list files inside chapters/"
                                     f"{booklet.slug}/"))
        elif Path(name).as_posix() in seen:
            report.error(ConfigError(f"chapter {name!r} is listed twice", booklet.config_path,
                                     _list_line(text, "chapters", name), hint="list each chapter once"))
        elif not _chapter_inside(path, booklet.root, report):
            seen.add(Path(name).as_posix())
        elif not _is_file(path):
            report.error(ConfigError(f"chapter {name!r} is listed but missing", booklet.config_path,
                                     key_line(text, "chapters", "booklet"),
                                     hint=f"create chapters/{booklet.slug}/{name} or remove it from the list"))
        else:
            seen.add(Path(name).as_posix())
            paths.append(path)
    return paths


def _chapter_inside(path: Path, root: Path, report: Report) -> bool:
    """Tell whether *path* (a file or a missing one) stays inside the root; note it if not."""
    try:
        inside(path, root, "chapter")
    except ContentError as exc:
        report.error(exc)
        return False
    return True


def _list_line(text: str, key: str, item: str) -> int | None:
    """Return the line of the second mention of *item* after ``key =`` (a list over lines)."""
    start = key_line(text, key, "booklet")
    if start is None:
        return None
    lines = text.splitlines()
    quoted = (f'"{item}"', f"'{item}'")
    mentions = [n for n in range(start, len(lines) + 1) if any(q in lines[n - 1] for q in quoted)]
    if mentions and lines[mentions[0] - 1].count(item) > 1:
        return mentions[0]
    return mentions[1] if len(mentions) > 1 else start


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:          # a name too long for the file system
        return False


def _read_chapters(booklet: Booklet, report: Report) -> list[Chapter]:
    chapters = []
    paths = _chapter_paths(booklet, report)
    if not paths and not report.errors:
        report.error(ContentError("the booklet has no chapters", booklet.source_dir,
                                  hint="add a Markdown file such as 01-introduction.md"))
    for number, path in enumerate(paths, 1):
        try:
            chapters.append(read_chapter(path, number))
        except ContentError as exc:
            report.error(exc)
    return chapters


def read_chapter(path: Path, number: int) -> Chapter:
    """Read one Markdown chapter as strict UTF-8 and find its ``# `` title."""
    try:
        size = path.stat().st_size
        if size > MAX_CHAPTER_BYTES:
            raise ContentError(f"the chapter is {size:,} bytes, over the limit of {MAX_CHAPTER_BYTES:,}", path,
                               hint="split it into several chapters")
        raw = path.read_bytes()
    except OSError as exc:
        raise ContentError(f"cannot read the chapter: {exc.strerror or exc}", path,
                           hint="check that it is a readable file") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ContentError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", path, line, col,
                           hint="save the file as UTF-8") from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.strip():
        raise ContentError("the chapter is empty", path, 1, hint="start it with a '# Title' line")
    bad = XML_INVALID.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise ContentError(f"contains the control character U+{ord(bad.group()):04X}, which XHTML cannot hold",
                           path, line, col, hint="delete it; it is often pasted in by accident")
    depth, line = markdown_depth(text)
    if depth > MAX_MARKDOWN_NESTING:
        raise ContentError(f"lists and block quotes nest {depth} deep here, over the limit of "
                           f"{MAX_MARKDOWN_NESTING}", path, line, hint="flatten the list or quote")
    title, line = _find_title(text)
    if title is None:
        raise ContentError("the chapter has no title", path, 1,
                           hint="start it with a level-one heading such as '# Introduction'")
    shown = plain_title(title)
    if not shown:
        raise ContentError("the chapter's title has no text", path, line,
                           hint="write the title after the #, e.g. '# Introduction'")
    return Chapter(path=path, text=text, title=shown, title_line=line, number=number)


@functools.lru_cache(maxsize=1)
def _title_markdown():
    """One plain Markdown converter per process for titles (making one costs more than converting)."""
    import markdown

    return markdown.Markdown(output_format="xhtml")


def plain_title(source: str) -> str:
    """The text a heading's Markdown source shows: ``Caf&eacute; *now*`` -> ``Café now``.

    The nav, the NCX and ``<title>`` hold plain text, so they must not show Markdown syntax.
    """
    from lxml import etree

    from booklet.render.mdext.entities import replace_named_entities

    html_text = replace_named_entities(_title_markdown().reset().convert("# " + source))
    try:
        text = "".join(etree.fromstring(f"<div>{html_text}</div>").itertext())
    except etree.XMLSyntaxError:
        text = html.unescape(re.sub(r"<[^>]*>", "", html_text))
    return " ".join(text.split())


def _find_title(text: str) -> tuple[str | None, int]:
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := _TITLE.match(line)):
            return match.group(1), number
    return None, 0


def _partner(root: Path, slug: str, partner: str, config_file: Path, report: Report) -> PartnerInfo:
    path = config_path(root, partner)
    text = config_file.read_text(encoding="utf-8")
    try:
        found = is_file_inside(path, root, "partner's booklet.toml", ConfigError)
    except ConfigError as exc:
        report.error(exc)
        return PartnerInfo(partner, partner, None, None, None)
    if partner == slug or not found:
        report.error(ConfigError(f"partner {partner!r} is not a booklet in this root", config_file,
                                 key_line(text, "partners", "booklet"),
                                 hint=f"expected chapters/{partner}/booklet.toml"))
        return PartnerInfo(partner, partner, None, None, None)
    try:
        table = read_toml(path)[0].get("booklet", {})
    except ConfigError as exc:
        report.error(exc)
        table = {}
    own = read_toml(config_file)[0].get("booklet", {})
    base = own.get("download_base") if isinstance(own, dict) else None
    href = f"{base}{partner}.epub" if isinstance(base, str) else None
    if not isinstance(table, dict):
        table = {}      # the partner's own build reports its broken config

    def text(key: str) -> str | None:
        value = table.get(key)
        return value.strip() if isinstance(value, str) and value.strip() and not XML_INVALID.search(value) else None

    return PartnerInfo(partner, text("title") or partner, text("subtitle"), text("description"), href)

"""Render a booklet: Markdown chapters, front and back matter, nav and NCX, through Jinja2."""
from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree
from markupsafe import Markup

from booklet import __version__
from booklet.read.assets import AssetStore
from booklet.incremental.cache import Cache, assets_hash, templates_hash, tool_hash
from booklet.incremental.cache import key as cache_key
from booklet.render.cover import booklet_fonts, cover_resource
from booklet.errors import ContentError, Report
from booklet.figures.jobs import FigureJobs, figure_refs
from booklet.render.mdext import ChapterContext, make_markdown
from booklet.model import Booklet, Chapter, Page, RenderedBooklet, Resource
from booklet.render.theme import make_environment, render_template, theme_file
from booklet.render.xhtml import check_safety, parse_fragment

_TAGS = re.compile(r"<[^>]+>")
_ALT = re.compile(r'<img [^>]*alt="([^"]{4,})"')
STYLESHEET = "style.css"
QUIZ_SCRIPT = "quiz.js"
FONT_FILES = ("fonts/Lato-Regular.ttf", "fonts/Lato-Bold.ttf", "fonts/NotoSerif-Regular.ttf",
              "fonts/NotoSerif-Italic.ttf", "fonts/NotoSerif-Bold.ttf")


def source_date(booklet: Booklet) -> str:
    """Return dcterms:modified: SOURCE_DATE_EPOCH if set, else the newest source file's time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        stamp = int(epoch)
    else:
        files = [booklet.config_path, *(c.path for c in booklet.chapters)]
        files += [p for p in booklet.image_dir.rglob("*") if p.is_file()] if booklet.image_dir.is_dir() else []
        stamp = int(max(p.stat().st_mtime for p in files))
    return datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_booklet(booklet: Booklet, report: Report, cache: Cache | None = None,
                   figure_threads: int | None = None) -> RenderedBooklet:
    """Render every page of *booklet*; collect all errors before raising.

    Figures render in *figure_threads* threads beside the Markdown (default: one per core).
    """
    env = make_environment(booklet.root)
    assets = AssetStore(booklet.root, booklet.image_dir)
    base = _base_context(booklet)
    shared = _chapters_key(booklet)
    pages: list[Page] = []
    stats: list[ChapterStats] = []
    keys = [cache_key(shared, chapter.text) for chapter in booklet.chapters]
    cached = [cache.get("chapter", k) if cache else None for k in keys]
    jobs = FigureJobs(figure_threads, booklet_fonts(booklet, assets, report))
    try:
        _prefetch_figures(jobs, assets, [c for c, e in zip(booklet.chapters, cached) if e is None])
        for chapter, ckey, entry in zip(booklet.chapters, keys, cached):
            if entry is None or not assets.restore(entry[2]):
                entry = _render_chapter_entry(env, booklet, chapter, assets, report, base, jobs)
                if entry is not None and cache is not None:
                    cache.put("chapter", ckey, entry)
            if entry is not None:
                pages.append(entry[0])
                stats.append(entry[1])
    finally:
        jobs.close()
    cover, thumbnail = cover_resource(booklet, assets, report, cache)
    report.raise_if_errors()
    has_quiz = any(s.quiz_count for s in stats)
    front = [
        _page(env, "cover.xhtml.j2", "cover.xhtml", "Cover", "cover", base, cover=cover),
        _page(env, "title.xhtml.j2", "title.xhtml", booklet.meta.title, "titlepage", base),
    ]
    back = []
    if booklet.glossary:
        back.append(_page(env, "glossary.xhtml.j2", "glossary.xhtml", "Glossary", "glossary", base,
                          terms=sorted(booklet.glossary, key=lambda t: t.name.casefold())))
    if booklet.partners:
        back.append(_page(env, "partners.xhtml.j2", "partners.xhtml", "Partners in crime", "partners", base,
                          partners=booklet.partners))
    pages = front + pages + back
    nav = _page(env, "nav.xhtml.j2", "nav.xhtml", "Contents", "nav", base, pages=pages)
    ncx = render_template(env, "toc.ncx.j2", **base, pages=pages)
    resources = list(assets.resources.values()) + _theme_resources(booklet.root, has_quiz)
    resources.append(Resource("toc.ncx", "application/x-dtbncx+xml", ncx.encode("utf-8")))
    return RenderedBooklet(booklet, [nav, *pages], resources, cover_href=cover.href, cover_thumbnail=thumbnail,
                           modified=source_date(booklet), figure_count=sum(s.figure_count for s in stats),
                           figures_used={f for s in stats for f in s.figures_used},
                           glossary_used={g for s in stats for g in s.glossary_used})


@dataclass(frozen=True)
class ChapterStats:
    """What a rendered chapter tells the rest of the build (and the lint)."""

    figure_count: int
    quiz_count: int
    figures_used: frozenset
    glossary_used: frozenset


def _chapters_key(booklet: Booklet) -> str:
    """Hash what every chapter's rendering depends on besides its own text."""
    parts = [tool_hash(), templates_hash(booklet.root), assets_hash(booklet.root, booklet.slug)]
    parts += [booklet.config_path.read_bytes()]
    if booklet.glossary_path is not None:
        parts.append(booklet.glossary_path.read_bytes())
    parts += [f"{c.path.name}\0{c.title}\0{c.number}" for c in booklet.chapters]
    return cache_key(*parts)


def _prefetch_figures(jobs: FigureJobs, assets: AssetStore, chapters: list[Chapter]) -> None:
    """Start rendering the figure files these chapters use; problems show up later, in place."""
    for chapter in chapters:
        for ref in figure_refs(chapter.text):
            try:
                jobs.prefetch(assets.resolve(ref, chapter.path.parent))
            except ContentError:
                pass       # reported with its chapter line when the Markdown pass meets it


def _render_chapter_entry(env, booklet: Booklet, chapter: Chapter, assets: AssetStore, report: Report,
                          base: dict, jobs: FigureJobs | None = None) -> tuple[Page, ChapterStats, list[Resource]] | None:
    """Render one chapter; return its page, its stats and every resource it used."""
    hrefs = {c.path.name: c.href for c in booklet.chapters}
    ctx = ChapterContext(booklet, chapter, assets, report, chapter_hrefs=hrefs, figures=jobs)
    assets.touched = []
    errors_before = len(report.errors)
    page = _render_chapter(env, ctx, base)
    if page is None or len(report.errors) > errors_before:
        return None
    used = [assets.resources[h] for h in dict.fromkeys(assets.touched)]
    stats = ChapterStats(ctx.figure_count, ctx.quiz_count, frozenset(ctx.figures_used),
                         frozenset(ctx.glossary_used))
    return page, stats, used


def _base_context(booklet: Booklet) -> dict:
    meta = booklet.meta
    return {"meta": meta, "booklet": booklet, "lang": meta.language, "stylesheet": STYLESHEET,
            "generator": f"booklet {__version__}", "chapters": booklet.chapters}


def _page(env, template: str, href: str, title: str, kind: str, base: dict, linear: bool = True,
          **context) -> Page:
    xhtml = render_template(env, template, **base, page_title=title, href=href, **context)
    return Page(href=href, title=title, xhtml=xhtml, kind=kind, linear=linear)


def _render_chapter(env, ctx: ChapterContext, base: dict) -> Page | None:
    chapter = ctx.chapter
    html = make_markdown(ctx).convert(chapter.text)
    tree, problem = parse_fragment(html)
    if problem is not None:
        ctx.error(ContentError(problem.message, hint=problem.hint), problem.needle)
        return None
    for issue in check_safety(tree, ctx.booklet.meta.allow_scripts):
        ctx.error(ContentError(issue.message, hint=issue.hint), issue.needle)
    _resolve_raw_images(ctx, tree)
    _refuse_media_links(ctx, tree)
    # The title as readers see it: Markdown and entities in the heading already rendered.
    h1 = next(tree.iter("{http://www.w3.org/1999/xhtml}h1"), None)
    title = " ".join("".join(h1.itertext()).split()) if h1 is not None else chapter.title
    chapter.title = title or chapter.title
    body = "".join(etree.tostring(child, encoding="unicode") for child in tree)
    body = body.replace(' xmlns="http://www.w3.org/1999/xhtml"', "").replace(
        ' xmlns:epub="http://www.idpf.org/2007/ops"', "")
    xhtml = render_template(env, "chapter.xhtml.j2", **base, page_title=chapter.title, href=chapter.href,
                            chapter=chapter, body=Markup(body), scripts=[QUIZ_SCRIPT] if ctx.quiz_count else [])
    page = Page(href=chapter.href, title=chapter.title, xhtml=xhtml, source=chapter.path,
                headings=list(ctx.headings))
    page.line_map = line_map(xhtml, chapter)
    return page


def _refuse_media_links(ctx: ChapterContext, tree) -> None:
    """A plain link to a video or audio file is not a valid EPUB hyperlink; only a video block plays one."""
    for link in tree.iter("{http://www.w3.org/1999/xhtml}a"):
        resource = ctx.assets.resources.get(link.get("href", ""))
        if resource is not None and resource.media_type.startswith(("video/", "audio/")):
            ctx.error(ContentError(f"a link to the media file {resource.href.split('/')[-1]!r} cannot be followed "
                                   "in an EPUB", hint="put it in a !!! video block with a poster image"),
                      resource.href.split("/")[-1])


def _resolve_raw_images(ctx: ChapterContext, tree) -> None:
    """Images written as raw HTML bypass the Markdown tree: resolve and check them here."""
    known = set(ctx.assets.resources)
    for img in tree.iter("{http://www.w3.org/1999/xhtml}img"):
        src = img.get("src", "")
        if src in known or src in ctx.failed_sources:
            continue
        try:
            resource = ctx.assets.add_image(ctx.assets.resolve(src, ctx.chapter.path.parent))
            img.set("src", resource.href)
        except ContentError as exc:
            ctx.error(exc, src)
        if not (img.get("alt") or "").strip() and img.get("alt") != "":
            ctx.error(ContentError(f"image {src!r} has no alt attribute", hint='add alt="what it shows"'), src)


def line_map(xhtml: str, chapter: Chapter) -> list[tuple[int, int]]:
    """Pair lines of the XHTML with the Markdown lines their text came from, in order."""
    source = [" ".join(line.split()) for line in chapter.text.splitlines()]
    pairs, cursor = [], 0
    in_body = False
    for number, line in enumerate(xhtml.splitlines(), 1):
        if "<body" in line:
            in_body = True
        text = " ".join(html.unescape(_TAGS.sub(" ", line)).split())[:24]
        if len(text) < 4 and (alt := _ALT.search(line)):
            # A line holding only an image: its alt text is what the Markdown line has.
            text = " ".join(html.unescape(alt.group(1)).split())[:24]
        if not in_body or len(text) < 4:
            continue
        for index in range(cursor, len(source)):
            if text in source[index]:
                pairs.append((number, index + 1))
                cursor = index
                break
    return pairs


def _theme_resources(root: Path, has_quiz: bool) -> list[Resource]:
    names = [STYLESHEET, *FONT_FILES] + ([QUIZ_SCRIPT] if has_quiz else [])
    types = {".css": "text/css", ".js": "application/javascript", ".ttf": "font/ttf", ".otf": "font/otf",
             ".woff2": "font/woff2", ".woff": "font/woff"}
    resources = []
    for name in names:
        path = theme_file(root, name)
        resources.append(Resource(name, types[path.suffix], path.read_bytes(), source=path))
    return resources

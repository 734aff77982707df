"""Images, figure files and local links: resolve them, check them, add them to the EPUB."""
from __future__ import annotations

import xml.etree.ElementTree as etree
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from booklet.read.assets import MEDIA_TYPES
from booklet.urls import is_url as is_remote
from booklet.errors import BookletError, BuildErrors, ContentError
from booklet.render.mdext.context import ChapterExtension, ChapterTreeprocessor

FIGURE_SUFFIX = ".toml"


class ImageTreeprocessor(ChapterTreeprocessor):
    def run(self, root: etree.Element) -> None:
        parents = {child: parent for parent in root.iter() for child in parent}
        for img in list(root.iter("img")):
            self._image(img, parents)
        for link in root.iter("a"):
            self._link(link)

    def _image(self, img: etree.Element, parents: dict) -> None:
        src = img.get("src", "")
        alt = img.get("alt", "")
        parent = parents.get(img)
        standalone = parent is not None and parent.tag == "p" and len(parent) == 1 \
            and not (parent.text or "").strip() and not (img.tail or "").strip()
        try:
            path = self.ctx.assets.resolve(unquote(src), self.ctx.chapter.path.parent)
            if path.suffix.lower() == FIGURE_SUFFIX:
                self._figure(path, img, parent if standalone else None)
                return
            resource = self.ctx.assets.add_image(path)
        except (ContentError, BuildErrors, BookletError) as exc:
            self.ctx.failed_sources.add(src)
            for err in getattr(exc, "errors", [exc]):
                self.ctx.error(err, src)
            return
        img.set("src", resource.href)
        if not alt.strip():
            self.ctx.error(ContentError(f"image {src!r} has no alt text",
                                        hint="describe the picture: ![what it shows](file.png)"), src)
        if standalone:
            self._wrap_in_figure(img, parent)

    def _wrap_in_figure(self, img: etree.Element, p: etree.Element) -> None:
        caption = img.attrib.pop("title", None)
        p.tag = "figure"
        p.set("class", "image")
        if caption:
            etree.SubElement(p, "figcaption").text = caption

    def _figure(self, path: Path, img: etree.Element, p: etree.Element | None) -> None:
        from booklet.figures import figure_markup

        src = img.get("src", "")
        if p is None:
            raise ContentError(f"figure file {src!r} must stand in a paragraph of its own",
                               path=self.ctx.chapter.path, line=self.ctx.line_of(src),
                               hint="put a blank line before and after ![alt](figure.toml \"Caption\")")
        alt = img.get("alt", "").strip()
        if not alt:
            raise ContentError(f"figure {src!r} has no alt text", path=self.ctx.chapter.path,
                               line=self.ctx.line_of(src), hint="describe what the figure shows in ![...]")
        fig, rendered = self.ctx.figures.get(path) if self.ctx.figures else _render(path)
        for warning in getattr(fig, "warnings", []):
            self.ctx.report.warn(str(warning))   # already "<figure file>:<line>: ..."
        resource = self.ctx.assets.add_bytes(f"{path.stem}.{rendered.ext}", rendered.data, rendered.media_type,
                                             source=path)   # findings in the image point at the figure file
        self.ctx.figures_used.add(path.resolve())
        self.ctx.figure_count += 1
        prefix = self.ctx.ids.unique(f"fig-{path.stem}")
        html, asides = figure_markup(fig, image_href=resource.href, width=rendered.width, height=rendered.height,
                                     alt=alt, caption=img.get("title"), id_prefix=prefix,
                                     written=self.ctx.figure_notes)
        if asides:
            self.ctx.ids.reserve(f"{prefix}-key")
            # The key sits right under its figure (issue 17): popup readers hide the asides and
            # open them on tap; other readers show them here, not at the end of the chapter.
            html += (f'\n<div class="figure-key" id="{prefix}-key" role="group" aria-label="Key to the figure">'
                     + "".join(asides) + "</div>")
        for child in list(p):
            p.remove(child)
        p.text = self.md.htmlStash.store(html)

    def _link(self, link: etree.Element) -> None:
        href = link.get("href", "")
        if not href or href.startswith("#") or is_remote(href):
            return
        parts = urlsplit(href)
        name = PurePosixPath(unquote(parts.path)).name
        if PurePosixPath(name).suffix.lower() in MEDIA_TYPES:
            self._media_link(link, unquote(parts.path))
            return
        target = self.ctx.chapter_hrefs.get(name)
        if target is None:
            self.ctx.error(ContentError(f"link to {href!r} points at no chapter of this booklet",
                                        hint="link to another chapter by its file name, e.g. 02-anatomy.md#section"),
                           href)
            return
        link.set("href", target + (f"#{parts.fragment}" if parts.fragment else ""))

    def _media_link(self, link: etree.Element, src: str) -> None:
        try:
            path = self.ctx.assets.resolve(src, self.ctx.chapter.path.parent)
            link.set("href", self.ctx.assets.add_media(path).href)
        except ContentError as exc:
            self.ctx.error(exc, src)


def _render(path: Path):
    from booklet.figures import load_figure, render_figure

    fig = load_figure(path)
    return fig, render_figure(fig)


class ImagesExtension(ChapterExtension):
    """Turn images into EPUB resources and stand-alone images into figures."""

    processor = ImageTreeprocessor
    name = "booklet-images"
    priority = 7

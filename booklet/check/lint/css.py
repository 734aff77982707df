"""c- rules: stylesheets, inline styles and style attributes."""
from __future__ import annotations

from booklet.check.lint.epub import Epub, html_elements
from booklet.check.lint.model import ERROR, Hit, rule
from booklet.urls import css_urls, is_remote

@rule("c-001", ERROR, "remote resource in CSS")
def remote_css(epub: Epub):
    for path in epub.stylesheets:
        css = epub.files[path].decode("utf-8", errors="replace")
        for offset, url in css_urls(css):
            if is_remote(url):
                yield Hit(path, css.count("\n", 0, offset) + 1, f"CSS loads {url!r} from the network: "
                                                                "put the file in the EPUB")
    for path, root in epub.xhtml():
        for style in html_elements(root, "style"):
            for offset, url in css_urls(style.text or ""):
                if is_remote(url):
                    yield Hit(path, style.sourceline + (style.text or "").count("\n", 0, offset),
                              f"<style> loads {url!r} from the network: put the file in the EPUB")
        for element in root.iter():
            style = element.get("style") if isinstance(element.tag, str) else None
            for _, url in css_urls(style or ""):
                if is_remote(url):
                    yield Hit(path, element.sourceline, f"style attribute loads {url!r} from the network: "
                                                        "put the file in the EPUB")

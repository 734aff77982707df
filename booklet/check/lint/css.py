"""c- rules: stylesheets, inline styles and style attributes."""
from __future__ import annotations

import re

from booklet.check.lint.epub import Epub, html_elements, is_remote
from booklet.check.lint.model import ERROR, Hit, rule

COMMENT = re.compile(r"/\*.*?\*/", re.S)
URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)|@import\s+(['"])([^'"]*)\3""", re.I)


def css_urls(css: str):
    """(offset, URL) of every url(...) and @import in *css*, comments left out."""
    bare = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), css)
    for match in URL.finditer(bare):
        yield match.start(), (match.group(2) if match.group(2) is not None else match.group(4)).strip()


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

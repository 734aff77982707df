"""Markdown → XHTML: well-formed XML, stable unique ids, entities, and booklet's extensions."""
from __future__ import annotations

import io

from lxml import etree
from PIL import Image

import pytest

from booklet.errors import ContentError, Report
from booklet.read.reader import read_booklet
from booklet.render.booklet import render_booklet
from tests.conftest import make_root

NS = {"h": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
GLOSSARY = b'[[term]]\nname = "PSIS"\ndefinition = "Posterior superior iliac spine."\n' \
           b'[[term]]\nname = "referred pain"\ndefinition = "Pain felt away from its source."\n'


def png(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, "PNG")
    return buffer.getvalue()


def render(tmp_path, text: str, **files):
    files = {"chapters/demo/glossary.toml": GLOSSARY, "images/demo/pic.png": png(), **files}
    root = make_root(tmp_path, {"01-one.md": text}, files=files)
    report = Report()
    rendered = render_booklet(read_booklet(root, "demo", report), report)
    page = next(p for p in rendered.pages if p.kind == "chapter")
    return etree.fromstring(page.xhtml.encode("utf-8")), rendered


def test_chapter_is_xhtml_with_unique_heading_ids(tmp_path):
    tree, _ = render(tmp_path, "# Title\n\n## Review\n\nA.\n\n## Review\n\nB.\n\n## 3 points\n")
    ids = tree.xpath("//h:h2/@id", namespaces=NS)
    assert ids == ["review", "review-2", "section-3-points"]
    assert tree.xpath("//h:h1/@id", namespaces=NS) == ["title"]
    assert tree.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_named_entities_become_characters(tmp_path):
    tree, rendered = render(tmp_path, "# T\n\nA&nbsp;B caf&eacute; &amp; &lt;tag&gt; &copy;\n")
    text = "".join(tree.xpath("//h:h1/following-sibling::h:p[1]//text()", namespaces=NS))
    assert "A\u00a0B café & <tag> ©" in text
    page = next(p for p in rendered.pages if p.kind == "chapter")
    assert "&nbsp;" not in page.xhtml


def test_footnotes_are_epub_popups(tmp_path):
    tree, _ = render(tmp_path, "# T\n\nText.[^n]\n\n[^n]: The note.\n")
    ref = tree.xpath("//h:a[@epub:type='noteref']", namespaces=NS)
    assert len(ref) == 1 and ref[0].get("role") == "doc-noteref"
    target = ref[0].get("href")[1:]
    aside = tree.xpath(f"//h:aside[@id='{target}']", namespaces=NS)
    assert aside and aside[0].get("{http://www.idpf.org/2007/ops}type") == "footnote"
    assert "".join(aside[0].itertext()).strip() == "1. The note. Back to the text"
    back = aside[0].xpath("h:p/h:a[@role='doc-backlink']", namespaces=NS)
    assert back and back[0].get("href") == "#" + ref[0].getparent().get("id")


def test_glossary_links_first_use_only(tmp_path):
    tree, _ = render(tmp_path, "# PSIS\n\nThe PSIS is here. The PSIS again. Referred pain too.\n")
    links = tree.xpath("//h:a[contains(@class, 'glossref')]", namespaces=NS)
    assert [a.text for a in links] == ["PSIS", "Referred pain"]
    assert [a.get("href") for a in links] == ["#gloss-psis", "#gloss-referred-pain"]
    assert tree.xpath("count(//h:aside[@id='gloss-psis'])", namespaces=NS) == 1
    assert not tree.xpath("//h:h1//h:a", namespaces=NS)      # never inside a heading


def test_quiz_has_script_free_answer(tmp_path):
    tree, rendered = render(tmp_path, '# T\n\n!!! quiz "Which?"\n    - [ ] No\n    - [x] Yes\n\n    Because.\n')
    quiz = tree.xpath("//h:section[@class='quiz']", namespaces=NS)[0]
    options = quiz.xpath(".//h:li", namespaces=NS)
    assert [o.get("data-correct") for o in options] == ["false", "true"]
    assert [o.text for o in options] == ["No", "Yes"]
    # A block printed as it is, not a closed <details> a PDF or Kindle conversion keeps shut.
    assert not quiz.xpath(".//h:details", namespaces=NS)
    answer = "".join(quiz.xpath(".//h:div[@class='quiz-answer']", namespaces=NS)[0].itertext())
    assert "Answer B: Yes" in answer and "Because." in answer
    show = quiz.xpath(".//h:button[@class='quiz-show']", namespaces=NS)
    assert show and show[0].get("hidden") == "hidden", "a control must stay hidden until quiz.js runs"
    assert tree.xpath("//h:script/@src", namespaces=NS) == ["quiz.js"]
    assert any(r.href == "quiz.js" for r in rendered.resources)


def test_callouts_gallery_video(tmp_path):
    text = ('# T\n\n!!! caution "Careful"\n    Body.\n\n!!! partners\n    QL.\n\n'
            '!!! gallery "Row"\n    ![One](pic.png "First")\n    ![Two](pic.png "Second")\n\n'
            '!!! video "Clip"\n    ![Poster](pic.png)\n    [Watch](https://www.youtube.com/watch?v=x)\n')
    tree, _ = render(tmp_path, text)
    titles = tree.xpath("//h:div[contains(@class,'callout')]/h:p[@class='callout-title']/text()", namespaces=NS)
    assert titles == ["Careful", "Partners in crime"]  # the callout's default title
    assert tree.xpath("//h:div[@class='gallery']//h:figcaption/text()", namespaces=NS) == ["First", "Second"]
    card = tree.xpath("//h:div[@class='video-card']", namespaces=NS)[0]
    assert card.xpath("./h:a/@href", namespaces=NS) == ["https://www.youtube.com/watch?v=x"]
    assert card.xpath(".//h:img/@src", namespaces=NS) == ["images/pic.png"]
    assert not tree.xpath("//h:iframe|//h:video", namespaces=NS)   # nothing remote is embedded


def test_standalone_image_becomes_figure(tmp_path):
    tree, rendered = render(tmp_path, '# T\n\n![A red box](pic.png "The caption")\n\nInline ![x](pic.png) here.\n')
    figure = tree.xpath("//h:figure", namespaces=NS)
    assert len(figure) == 1
    assert figure[0].xpath("./h:img/@alt", namespaces=NS) == ["A red box"]
    assert figure[0].xpath("./h:figcaption/text()", namespaces=NS) == ["The caption"]
    assert [r.href for r in rendered.resources if r.href.startswith("images/pic")] == ["images/pic.png"]


def test_links_between_chapters(tmp_path):
    files = {"chapters/demo/02-two.md": b"# Two\n\n## Part\n"}
    tree, _ = render(tmp_path, "# T\n\nSee [two](02-two.md#part).\n", **files)
    assert tree.xpath("//h:p/h:a/@href", namespaces=NS) == ["chapter-02.xhtml#part"]


def test_chapter_title_is_rendered_text(tmp_path):
    _, rendered = render(tmp_path, "# Beta &amp; *the* caf&eacute;\n\nText.\n")
    page = next(p for p in rendered.pages if p.kind == "chapter")
    assert page.title == "Beta & the café"
    nav = next(p for p in rendered.pages if p.kind == "nav")
    assert "Beta &amp; the café</a>" in nav.xhtml and "&amp;amp;" not in nav.xhtml


def test_footnote_keeps_spaces_and_glossary_skips_notes(tmp_path):
    tree, _ = render(tmp_path, "# T\n\nText.[^n]\n\n[^n]: About the PSIS and `code` here.\n")
    aside = tree.xpath("//h:aside[@id='fn-n']", namespaces=NS)[0]
    assert "".join(aside.itertext()).strip() == "1. About the PSIS and code here. Back to the text"
    assert [a.get("role") for a in aside.xpath(".//h:a", namespaces=NS)] == ["doc-backlink"]   # no glossary link


def test_local_video_plays_and_plain_media_link_is_refused(tmp_path):
    text = '# T\n\n!!! video "Clip"\n    ![Poster](pic.png)\n    [Play the clip](clip.mp4)\n'
    tree, rendered = render(tmp_path, text, **{"images/demo/clip.mp4": b"\0\0\0\x18ftypmp42"})
    video = tree.xpath("//h:video", namespaces=NS)[0]
    assert video.get("src") == "images/clip.mp4" and video.get("poster") == "images/pic.png"
    assert video.get("controls") == "controls"
    assert any(r.media_type == "video/mp4" for r in rendered.resources)
    with pytest.raises(ContentError, match="cannot be followed in an EPUB"):
        render(tmp_path / "b", "# T\n\nSee [the clip](clip.mp4).\n", **{"images/demo/clip.mp4": b"x"})


def test_line_map_points_at_markdown_lines(tmp_path):
    text = "# Title\n\nFirst paragraph here.\n\n![A red box](pic.png)\n\n## Next & last\n\nSecond one.\n"
    _, rendered = render(tmp_path, text)
    page = next(p for p in rendered.pages if p.kind == "chapter")
    lines = page.xhtml.splitlines()
    mapped = {lines[x - 1].strip()[:12]: md for x, md in page.line_map}
    assert sorted(mapped.values()) == [1, 3, 5, 7, 9]


FIGURE = """base = "pic.png"
[[marker]]
id = "tp1"
label = "Medial point"
x = 0.3
y = 0.5
note = "Sits by the crest."
[[marker]]
id = "{second}"
label = "{label}"
x = 0.7
y = 0.5
note = "{note}"
"""


def test_figure_notes_are_the_key_under_the_figure_and_shared_notes_are_written_once(tmp_path):
    files = {"images/demo/pic.png": png((400, 400)),
             "images/demo/one.toml": FIGURE.format(second="tp2", label="Lateral point",
                                                   note="Near the front.").encode(),
             "images/demo/two.toml": FIGURE.format(second="tp3", label="Other point",
                                                   note="Lower down.").encode()}
    text = '# T\n\n![First](one.toml "One")\n\nBetween.\n\n![Second](two.toml "Two")\n'
    tree, _ = render(tmp_path, text, **files)
    x = lambda path: tree.xpath(path, namespaces=NS)   # noqa: E731
    # Each figure is followed by its key: the asides its tap targets open.
    first_key = x("//h:figure[@id='fig-one']/following-sibling::*[1]")[0]
    assert first_key.get("class") == "figure-key"
    assert [a.get("id") for a in first_key.xpath("h:aside", namespaces=NS)] == ["fig-one-tp1", "fig-one-tp2"]
    second_key = x("//h:figure[@id='fig-two']/following-sibling::*[1]")[0]
    assert [a.get("id") for a in second_key.xpath("h:aside", namespaces=NS)] == ["fig-two-tp3"]
    # The shared note is written once; the second figure's tap opens the first one's aside.
    assert "".join(tree.itertext()).count("Sits by the crest.") == 1
    assert x("//h:figure[@id='fig-two']//h:a[contains(@class, 'tap')]/@href") == ["#fig-one-tp1", "#fig-two-tp3"]
    assert [a.get("href") for a in second_key.xpath("h:p[@class='key-shared']/h:a", namespaces=NS)] == ["#fig-one-tp1"]
    # No figure note at the chapter's end, and no notes section without notes.
    assert not x("//h:section[@class='notes']")


def test_chapter_notes_sit_under_a_heading_with_links_back(tmp_path):
    tree, rendered = render(tmp_path, "# T\n\nThe PSIS aches.[^n]\n\n[^n]: A note.\n")
    notes = tree.xpath("//h:section[@class='notes']", namespaces=NS)[0]
    assert notes.xpath("h:h2/text()", namespaces=NS) == ["Notes"]
    for aside in notes.xpath("h:aside", namespaces=NS):
        back = aside.xpath(".//h:a[@role='doc-backlink']/@href", namespaces=NS)
        assert back and tree.xpath(f"//*[@id='{back[0][1:]}']", namespaces=NS), aside.get("id")
    assert len(notes.xpath("h:aside", namespaces=NS)) == 2         # the glossary term and the footnote
    chapter = next(p for p in rendered.pages if p.kind == "chapter")
    assert "Notes" not in [text for _, _, text in chapter.headings]   # not a contents entry

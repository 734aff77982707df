"""Text drawn into pictures in the booklet's language (issue 15 item 8): a font per script,
right-to-left text shaped and ordered, and characters no font can draw named in an error."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image, ImageChops, ImageDraw, features

from booklet.errors import ContentError
from booklet.figures import load_figure, render_figure
from booklet.figures.fonts import MissingGlyphs, TextFonts, draw_runs, font_path, sized_font
from booklet.render.cover import draw_cover
from tests.test_figures import decode, make_base, write_figure

CJK = Path(__file__).resolve().parent / "fonts" / "NotoSansCJKjp-Regular-subset.otf"
LATO = font_path("Lato-Regular.ttf")
LABEL = "大臀筋の圧痛点"


def test_pillow_has_raqm_for_right_to_left_text():
    # Without libraqm Pillow cannot shape Arabic or order Hebrew; the wheels on PyPI bundle it.
    assert features.check("raqm")


def cjk_figure(tmp_path) -> Path:
    make_base(tmp_path, size=(400, 200))
    return write_figure(tmp_path, 'base = "base.png"\nlegend = "top-left"\n[[marker]]\nid = "m"\n'
                        f'label = "{LABEL}"\nx = 0.8\ny = 0.6\nnumber = 1\n'
                        '[[zone]]\nid = "z"\nfor = "m"\npoints = [[0.6, 0.5], [0.9, 0.5], [0.9, 0.9]]\n')


def ink_columns(image: Image.Image, box) -> list[int]:
    crop = image.crop(box).convert("L")
    return [x for x in range(crop.width) if any(crop.getpixel((x, y)) < 100 for y in range(crop.height))]


def test_cjk_legend_label_is_drawn_with_the_named_font(tmp_path):
    fig = load_figure(cjk_figure(tmp_path))
    im = decode(render_figure(fig, fonts=TextFonts("ja", CJK)))
    # the legend's point line, to the right of its swatch: as wide as 7 CJK glyphs at 34 px
    row = (110, 92, 900, 140)
    columns = ink_columns(im, row)
    assert columns and 6 * 30 < columns[-1] - columns[0] < 7 * 36, columns[-1] - columns[0]
    # and the glyphs are the font's: the same ink as the label drawn alone in it
    alone = Image.new("L", (400, 60), 255)
    ImageDraw.Draw(alone).text((0, 30), LABEL, font=sized_font(CJK, 34, LABEL), fill=0, anchor="lm")
    drawn = [x for x in range(alone.width) if any(alone.getpixel((x, y)) < 100 for y in range(60))]
    assert abs((drawn[-1] - drawn[0]) - (columns[-1] - columns[0])) <= 2


def test_a_label_no_font_can_draw_is_an_error_naming_its_characters_and_line(tmp_path):
    path = cjk_figure(tmp_path)
    with pytest.raises(MissingGlyphs) as info:
        render_figure(load_figure(path), fonts=TextFonts("en"))
    message = str(info.value)
    assert message.startswith(f"{path}:3: no font can draw ")          # the marker's line
    for ch in LABEL:
        assert f"'{ch}' (U+{ord(ch):04X})" in message
    assert 'font = "' in message


def test_hebrew_is_ordered_right_to_left():
    fonts = TextFonts("he")
    runs = fonts.fonts("אב", 60, LATO)
    assert [font.path.endswith("NotoSansHebrew-Regular.ttf") for _, font in runs] == [True]
    shaped = Image.new("L", (200, 100), 255)
    draw_runs(ImageDraw.Draw(shaped), (10, 50), runs, 0)
    # drawn by hand: bet first, then alef, left to right, as a reader of Hebrew sees "אב"
    plain = Image.new("L", (200, 100), 255)
    basic = sized_font(font_path("NotoSansHebrew-Regular.ttf"), 60, "ab")     # BASIC layout
    ImageDraw.Draw(plain).text((10, 50), "בא", font=basic, fill=0, anchor="lm")
    assert ImageChops.difference(shaped, plain).getbbox() is None
    wrong = Image.new("L", (200, 100), 255)
    ImageDraw.Draw(wrong).text((10, 50), "אב", font=basic, fill=0, anchor="lm")
    assert ImageChops.difference(shaped, wrong).getbbox() is not None


def test_arabic_letters_are_joined():
    fonts = TextFonts("ar")
    (text, font), = fonts.fonts("ببب", 60, LATO)
    isolated = sized_font(font_path("NotoSansArabic-Regular.ttf"), 60, "b")     # BASIC: no shaping
    # joined letters are narrower than three isolated forms side by side
    assert font.getlength(text) < 0.9 * isolated.getlength(text)


def test_mixed_scripts_are_cut_into_runs():
    runs = TextFonts("en", CJK).runs("Gluteus 大臀筋 עברית", LATO)
    assert [(t, p.name) for t, p in runs] == [("Gluteus ", "Lato-Regular.ttf"),
                                            ("大臀筋 ", CJK.name),
                                            ("עברית", "NotoSansHebrew-Regular.ttf")]


def test_latin_text_keeps_lato_and_its_basic_layout():
    (text, font), = TextFonts("he").fonts("Trigger point", 30, LATO)
    assert font.path == str(LATO) and font.layout_engine == 0      # ImageFont.Layout.BASIC


def test_cover_in_hebrew_and_a_cjk_title_without_a_font(tmp_path):
    meta = SimpleNamespace(series=None, title="נקודות טריגר", subtitle=None, author="ישראל ישראלי")
    booklet = SimpleNamespace(meta=meta, root=tmp_path)
    cover = draw_cover(booklet, TextFonts("he"))
    title_band = cover.crop((0, 240, 1600, 420)).convert("L")
    assert title_band.getextrema()[0] < 80                          # the title's ink
    meta.title = LABEL
    with pytest.raises(ContentError, match=re.escape("no font can draw 'の' (U+306E), '圧' (U+5727)")):
        draw_cover(booklet, TextFonts("he"))
    draw_cover(booklet, TextFonts("ja", CJK))


def test_figure_command_uses_the_booklets_font(tmp_path, capsys):
    from booklet.cli import main

    chapters, images = tmp_path / "chapters" / "demo", tmp_path / "images" / "demo"
    chapters.mkdir(parents=True)
    images.mkdir(parents=True)
    path = cjk_figure(images)
    config = '[booklet]\ntitle = "Demo"\nauthor = "A"\nlanguage = "ja"\n'
    (chapters / "booklet.toml").write_text(config, encoding="utf-8")
    assert main(["figure", str(path), "--out", str(tmp_path / "a.png")]) == 1
    assert "no font can draw" in capsys.readouterr().err
    (chapters / "jp.otf").write_bytes(CJK.read_bytes())
    (chapters / "booklet.toml").write_text(config + 'font = "jp.otf"\n', encoding="utf-8")
    assert main(["figure", str(path), "--out", str(tmp_path / "a.png")]) == 0


def test_a_long_cjk_title_is_wrapped_between_characters(tmp_path):
    meta = SimpleNamespace(series=None, title=LABEL * 3, subtitle=None, author="A")
    cover = draw_cover(SimpleNamespace(meta=meta, root=tmp_path), TextFonts("ja", CJK))
    title = cover.crop((0, 200, 1600, 900)).convert("L")
    ink = [x for x in range(1600) if title.crop((x, 0, x + 1, 700)).getextrema()[0] < 80]
    assert 60 <= ink[0] and ink[-1] <= 1540                         # no line runs off the cover
    rows = [y for y in range(700) if title.crop((0, y, 1600, y + 1)).getextrema()[0] < 80]
    assert rows[-1] - rows[0] > 200                                 # on two lines or more


def test_shipped_latin_fonts_have_every_printable_ascii_character():
    """ASCII text in a shipped Latin font skips reading its cmap: that rests on this."""
    from booklet.figures.fonts import SHIPPED_LATIN, font_characters, font_path

    for name in SHIPPED_LATIN:
        assert set(range(0x21, 0x7F)) <= font_characters(font_path(name)), name


def test_ascii_fast_path_is_only_for_the_shipped_fonts(tmp_path, monkeypatch):
    """A font a root supplies under a shipped name is still asked for its glyphs."""
    from booklet.figures import fonts

    shipped = fonts.font_path("Lato-Bold.ttf")
    own = tmp_path / "Lato-Bold.ttf"
    own.write_bytes(shipped.read_bytes()[:-4] + b"\0\0\0\0")     # not the shipped font's bytes
    copy = tmp_path / "copy" / "Lato-Bold.ttf"
    copy.parent.mkdir()
    copy.write_bytes(shipped.read_bytes())
    asked = []
    real = fonts.font_characters
    monkeypatch.setattr(fonts, "font_characters", lambda path: asked.append(path) or real(path))
    assert fonts.TextFonts("en").runs("Abc 12!", shipped) == [("Abc 12!", shipped)]
    assert fonts.TextFonts("en").runs("Abc", copy) == [("Abc", copy)]       # a root's copy of it
    assert asked == []
    assert fonts.TextFonts("en").runs("Abc", own) == [("Abc", own)]
    assert set(asked) == {own}
    fonts.TextFonts("en").runs("Café", shipped)
    assert asked[-1] == shipped


def test_cover_png_maps_only_the_lines_of_type_and_gives_the_same_bytes(tmp_path):
    """The cover's background is mapped to the palette once; the bands of type are mapped
    again per cover.  The bytes must be those of mapping the whole drawn cover."""
    from booklet.figures.imaging import palette_png
    from booklet.render.cover import cover_palette, cover_png

    meta = SimpleNamespace(title="Trigger Point Therapy for the Gluteus Medius and Its Partners",
                           subtitle="A self-help booklet", series="Trigger point booklets",
                           author="A. Author", language="en", font=None)
    bands = []
    cover = draw_cover(SimpleNamespace(meta=meta, root=tmp_path), bands=bands)
    assert len(bands) >= 4
    assert cover_png(cover, bands) == palette_png(cover, cover_palette())
    # Lines of several runs (Hebrew and Latin, laid out right to left) are placed another way.
    meta.title, meta.author, meta.language = "נקודות טריגר Gluteus medius", "ישראל ישראלי", "he"
    bands = []
    cover = draw_cover(SimpleNamespace(meta=meta, root=tmp_path), TextFonts("he"), bands=bands)
    assert cover_png(cover, bands) == palette_png(cover, cover_palette())

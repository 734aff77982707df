"""``booklet preview``: a stale EPUB is rebuilt first, an earlier preview's screenshots go, and
the shots come from the reader (foliate-js): pages with notes hidden, a figure popup, a quiz answered.

Issue 14, bug 5: preview showed an out-of-date EPUB without a word, and left old screenshots
beside new ones. The browser part runs in headless Chromium (/usr/bin/chromium), portrait and
light only, to stay quick.
"""
from __future__ import annotations

import zipfile

import pytest

from booklet.publish.preview import clear_old, fresh_epub, preview

SLUG = "gluteus-medius"
SENTENCE = "A sentence added after the EPUB was built."


def chapter_text(epub, name: str = "EPUB/chapter-01.xhtml") -> str:
    with zipfile.ZipFile(epub) as archive:
        return archive.read(name).decode("utf-8")


def test_a_stale_epub_is_rebuilt_before_the_preview(copy_repo_root):
    epub, rebuilt = fresh_epub(copy_repo_root, SLUG)
    assert rebuilt and epub == copy_repo_root / "dist" / f"{SLUG}.epub"
    assert fresh_epub(copy_repo_root, SLUG) == (epub, False)          # unchanged: used as it is
    chapter = next((copy_repo_root / "chapters" / SLUG).glob("01-*.md"))
    chapter.write_text(chapter.read_text(encoding="utf-8") + f"\n{SENTENCE}\n", encoding="utf-8")
    assert fresh_epub(copy_repo_root, SLUG) == (epub, True)
    assert SENTENCE in chapter_text(epub)


def test_only_an_earlier_previews_own_files_are_removed(tmp_path):
    own = ["01-cover-p1-portrait-light.png", "07-chapter-04-popup-landscape-dark.png", "contact-sheet.png"]
    other = ["notes.png", "01-cover.png", "diagram-portrait-light.jpg"]
    for name in own + other:
        (tmp_path / name).write_bytes(b"x")
    assert clear_old(tmp_path) == len(own)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(other)
    assert clear_old(tmp_path / "missing") == 0


@pytest.fixture(scope="module")
def previewed(tmp_path_factory):
    """One portrait, light preview of a copy of the gluteus medius booklet, over an earlier one."""
    import shutil

    from conftest import REPO

    root = tmp_path_factory.mktemp("preview") / "repo"
    for name in ("chapters", "images", "templates"):
        shutil.copytree(REPO / name, root / name)
    out = root / "dist" / "preview" / SLUG
    out.mkdir(parents=True)
    (out / "99-gone-p1-portrait-light.png").write_bytes(b"old")
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    return preview(root, SLUG, orientations=("portrait",), schemes=("light",)), out


def test_the_folder_holds_only_this_previews_screenshots(previewed):
    result, out = previewed
    assert result.rebuilt and result.removed == 1
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == sorted([s.path.name for s in result.shots] + ["contact-sheet.png"])
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert result.problems == []


def test_shots_are_pages_a_figure_popup_and_an_answered_quiz(previewed):
    from PIL import Image

    result, _ = previewed
    labels = {(s.page, s.label) for s in result.shots}
    assert ("chapter-04", "figure popup open") in labels
    assert ("chapter-02", "quiz answered") in labels
    assert any(page == "chapter-04" and label.startswith("page 2 of ") for page, label in labels)
    for shot in result.shots:
        with Image.open(shot.path) as image:
            assert image.size == (820, 1180)     # the reader's page, not the whole scrolled document


def test_the_popup_shot_shows_the_note_over_the_page(previewed):
    """The popup shot has the note's box (white, with text) where the page has none."""
    from PIL import Image, ImageChops

    result, _ = previewed
    popup = next(s for s in result.shots if s.label == "figure popup open")
    with Image.open(popup.path) as image:
        box = image.convert("RGB").crop((122, 920, 698, 1150))
    # the popup's white box with dark text: mostly white, some dark pixels
    colours = box.getcolors(1 << 20)
    dark = sum(n for n, (r, g, b) in colours if r + g + b < 200)
    white = sum(n for n, (r, g, b) in colours if r + g + b > 740)
    assert white > 0.6 * box.width * box.height and dark > 500
    page = next(s for s in result.shots if s.page == popup.page and s.label.startswith("page"))
    with Image.open(page.path) as image:
        assert ImageChops.difference(image.convert("RGB").crop((122, 920, 698, 1150)), box).getbbox()

"""``booklet new``: the starter booklet builds clean at once, bad slugs and existing booklets
are refused, and the walk-through in docs/adding-a-muscle.md works as written."""
from __future__ import annotations

import re
import shlex
import tomllib
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from booklet.cli import main
from booklet.read.config import load_glossary, load_metadata
from booklet.errors import Report
from booklet.scaffold import NewBooklet, starter_files

REPO = Path(__file__).resolve().parent.parent
TITLE = "Trigger Point Therapy for the Piriformis"
SLUG_RULE = ("use lowercase letters and digits, with single hyphens between words, "
             "such as 'piriformis' or 'gluteus-medius'")


def new(root: Path, *args: str) -> int:
    return main(["new", *args, "--root", str(root)])


def epub_names(epub: Path) -> set[str]:
    with zipfile.ZipFile(epub) as archive:
        return set(archive.namelist())


def epub_text(epub: Path, name: str) -> str:
    with zipfile.ZipFile(epub) as archive:
        return archive.read(name).decode("utf-8")


def test_new_booklet_builds_and_passes_epubcheck(tmp_path, capsys):
    root = tmp_path / "R"                     # does not exist yet: new makes it
    assert new(root, "piriformis", "--title", TITLE) == 0
    out = capsys.readouterr().out
    assert "chapters/piriformis/booklet.toml" in out and "images/piriformis/anatomy.toml" in out
    assert f"booklet build piriformis --root {shlex.quote(str(root))}" in out
    assert not (root / "templates").exists()  # a fresh root builds with the packaged templates

    assert main(["build", "piriformis", "--root", str(root), "--strict"]) == 0
    out, err = capsys.readouterr()
    epub = root / "dist" / "piriformis.epub"
    assert epub.is_file(), err
    assert re.search(r"piriformis\s+3\s+1\s+.*\bvalid\b", out), out
    assert "warning" not in err

    names = epub_names(epub)
    assert {"EPUB/chapter-01.xhtml", "EPUB/chapter-02.xhtml", "EPUB/chapter-03.xhtml", "EPUB/glossary.xhtml",
            "EPUB/images/anatomy.png", "EPUB/images/video-poster.png", "EPUB/quiz.js"} <= names
    pages = "".join(epub_text(epub, f"EPUB/chapter-0{n}.xhtml") for n in (1, 2, 3))
    for feature in ('class="callout tip"', 'class="callout caution"', 'class="callout note"',
                    'class="callout partners"', 'class="quiz"', 'class="glossref"', 'role="doc-noteref"',
                    'class="tp-figure"', 'class="gallery"', 'class="video-card"',
                    'href="https://www.youtube.com/results?search_query=piriformis'):
        assert feature in pages, feature
    assert TITLE in epub_text(epub, "EPUB/title.xhtml")


def test_starter_pictures_are_small_enough_and_named_by_the_figure(tmp_path):
    files = starter_files(NewBooklet("piriformis", tmp_path))
    images = Path("images/piriformis")
    figure = tomllib.loads(files[images / "anatomy.toml"].decode("utf-8"))
    assert (images / figure["base"]) in files
    assert figure["marker"] and figure["callout"]
    assert {z["kind"] for z in figure["zone"]} == {"essential", "spillover"}
    for name, data in files.items():
        if name.suffix in (".md", ".toml"):
            assert "{{" not in data.decode("utf-8") and "{%" not in data.decode("utf-8"), name
        else:
            (tmp_path / name.name).write_bytes(data)
            with Image.open(tmp_path / name.name) as img:
                assert max(img.size) <= 2048, name


def test_starter_is_for_any_muscle_not_the_pelvis(tmp_path):
    """Issue 19 item 5: every new booklet got pelvis text and the pelvis drawing."""
    from booklet.figures import load_figure

    files = starter_files(NewBooklet("deltoid", tmp_path))
    for name, data in files.items():
        if name.suffix in (".md", ".toml"):
            text = data.decode("utf-8").lower()
            for word in ("pelvis", "iliac", "sacrum", "buttock", "thigh"):
                assert word not in text, (name, word)
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    anatomy = tmp_path / "images/deltoid/anatomy.png"
    with Image.open(anatomy) as img:
        rgb = img.convert("RGB")
        w, h = rgb.size
        paper = rgb.getpixel((w // 2, h // 20))
        assert rgb.getpixel((w // 2, h // 2)) != paper            # the muscle in the middle
        # nothing but paper above and below it: no body outline, no bones of a pelvis
        assert {rgb.getpixel((round(x * w), round(y * h))) for x in (0.3, 0.5, 0.7) for y in (0.05, 0.15, 0.9)} \
            == {paper}
    fig = load_figure(tmp_path / "images/deltoid/anatomy.toml")
    assert fig.warnings == [] and any(z.smooth for z in fig.zones)
    chapter = files[Path("chapters/deltoid/02-anatomy.md")].decode("utf-8")
    assert "placeholder" in chapter and "booklet figure images/deltoid/anatomy.toml --grid" in chapter


@pytest.mark.parametrize("slug, guess", [("Bad_Slug", "bad-slug"), ("-x", "x"), ("a--b", "a-b"), ("", None)])
def test_invalid_slug_is_rejected(tmp_path, capsys, slug, guess):
    root = tmp_path / "R"
    assert main(["new", "--root", str(root), "--", slug]) == 1
    hint = f" (did you mean {guess!r}?)" if guess else ""
    assert capsys.readouterr().err == f"error: invalid slug {slug!r}: {SLUG_RULE}{hint}\n"
    assert not root.exists()


def test_existing_booklet_is_refused_and_left_untouched(tmp_path, capsys):
    root = tmp_path / "R"
    assert new(root, "piriformis") == 0
    config = root / "chapters" / "piriformis" / "booklet.toml"
    config.write_text("[booklet]\n# my own work\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    capsys.readouterr()

    assert new(root, "piriformis", "--title", "Another") == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {root / 'chapters' / 'piriformis'}: 'piriformis' already exists"), err
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_existing_image_folder_alone_is_refused(tmp_path, capsys):
    root = tmp_path / "R"
    (root / "images" / "piriformis").mkdir(parents=True)
    assert new(root, "piriformis") == 1
    assert f"{root / 'images' / 'piriformis'}: 'piriformis' already exists" in capsys.readouterr().err
    assert not (root / "chapters" / "piriformis").exists()
    assert list((root / "images" / "piriformis").iterdir()) == []


def test_title_author_and_language_are_written_as_valid_toml(tmp_path):
    title, author = 'The "Hip" Muscle \\ Über — part 2', "Zoë O’Brien"
    assert new(tmp_path, "hip", "--title", title, "--author", author, "--language", "de") == 0
    report = Report()
    meta = load_metadata(tmp_path / "chapters" / "hip" / "booklet.toml", "hip", report)
    assert (meta.title, meta.author, meta.language) == (title, author, "de")
    assert not report.warnings and not report.errors
    terms = load_glossary(tmp_path / "chapters" / "hip" / "glossary.toml", report)
    assert {t.name for t in terms} >= {"trigger point", "referred pain"} and not report.errors


def test_bad_language_or_empty_title_is_rejected_before_writing(tmp_path, capsys):
    assert new(tmp_path / "R", "hip", "--language", "english") == 1
    assert "--language is not a valid BCP 47 language tag: 'english'" in capsys.readouterr().err
    assert new(tmp_path / "R", "hip", "--title", " ") == 1
    assert "error: the title must not be empty" in capsys.readouterr().err
    assert not (tmp_path / "R").exists()


def doc_steps(doc: str) -> tuple[list[list[str]], dict[str, str]]:
    """The shell commands (other than booklet's) and the files to create in a walk-through."""
    commands = [shlex.split(line) for block in re.findall(r"^```sh\n(.*?)^```", doc, re.M | re.S)
                for line in block.splitlines() if line.strip() and not line.startswith("booklet ")]
    files = dict(re.findall(r"^Create `([^`]+)` with this text:\n\n```[a-z]*\n(.*?)^```", doc, re.M | re.S))
    return commands, files


def test_walkthrough_in_adding_a_muscle_works_first_time(tmp_path, capsys):
    root = tmp_path / "R"
    doc = (REPO / "docs" / "adding-a-muscle.md").read_text(encoding="utf-8")
    commands, files = doc_steps(doc)
    assert f"booklet new piriformis --title \"{TITLE}\"" in doc
    assert new(root, "piriformis", "--title", TITLE, "--author", "Ann Author") == 0
    assert commands == [["mv", "chapters/piriformis/03-self-treatment.md",
                         "chapters/piriformis/04-self-treatment.md"]]
    (root / commands[0][1]).rename(root / commands[0][2])
    assert set(files) == {"chapters/piriformis/03-trigger-points.md", "images/piriformis/trigger-points.toml"}
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    capsys.readouterr()

    assert main(["build", "piriformis", "--root", str(root), "--no-validate", "--strict"]) == 0
    out, err = capsys.readouterr()
    assert re.search(r"piriformis\s+4\s+2\s", out), out + err
    epub = root / "dist" / "piriformis.epub"
    chapter = epub_text(epub, "EPUB/chapter-03.xhtml")
    assert "The Trigger Points" in chapter and 'id="fig-trigger-points"' in chapter
    assert "EPUB/images/trigger-points.png" in epub_names(epub)
    assert "Releasing the Trigger Points" in epub_text(epub, "EPUB/chapter-04.xhtml")

    # The grid picture of step 7 and the two mistakes of step 8, as the doc shows them.
    figure_command = re.search(r"^booklet figure (\S+) --grid$", doc, re.M).group(1)
    assert main(["figure", str(root / figure_command), "--grid",
                 "--out", str(tmp_path / "grid.png")]) == 0
    chapter_md = root / "chapters/piriformis/03-trigger-points.md"
    chapter_md.write_text(chapter_md.read_text().replace("(trigger-points.toml", "(trigger-point.toml"))
    figure_toml = root / "images/piriformis/trigger-points.toml"
    figure_toml.write_text(figure_toml.read_text().replace('for = "lateral"', 'for = "lateal"', 1))
    capsys.readouterr()
    assert main(["build", "piriformis", "--root", str(root), "--no-validate"]) == 1
    shown = [line for line in doc.splitlines() if line.startswith("error: ")]
    err = capsys.readouterr().err
    assert shown[0] in err.replace(f"{root}/", "")
    fig_error = main(["figure", str(figure_toml)])
    assert fig_error == 1 and shown[1].split(": ", 2)[2] in capsys.readouterr().err

"""Bad input gives a clear message naming file and line: never a traceback, never a corrupt EPUB.

Each folder in tests/cases/errors/ is one case: ``root/`` is a small booklet root,
``expected.txt`` the exact stderr of ``booklet build --root root --out out --no-validate``
run from the case folder (so paths print relative to it), ``args.txt`` (optional) extra
arguments. The exit status is 1 when the golden output has an ``error:`` or ``failed``
line, else 0. Regenerate the golden files with ``BOOKLET_SAVE_GOLDEN=1 pytest tests/test_errors.py``.
"""
from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from booklet.cli import main
from tests.conftest import REPO

CASES_DIR = Path(__file__).resolve().parent / "cases" / "errors"
CASES = sorted(d.name for d in CASES_DIR.iterdir() if (d / "root").is_dir())
SAVE = bool(os.environ.get("BOOKLET_SAVE_GOLDEN"))
XHTML = "{http://www.w3.org/1999/xhtml}"


def copy_case(name: str, tmp_path: Path) -> Path:
    """Copy a case folder (symlinks as symlinks) so the build cannot touch the checked-in one."""
    work = tmp_path / name
    shutil.copytree(CASES_DIR / name, work, symlinks=True)
    return work


def case_args(name: str) -> list[str]:
    args = CASES_DIR / name / "args.txt"
    return args.read_text(encoding="utf-8").split() if args.is_file() else []


def build_argv(name: str, validate: bool = False) -> list[str]:
    return ["build", "--root", "root", "--out", "out", *([] if validate else ["--no-validate"]), *case_args(name)]


def run_case(name: str, tmp_path: Path, monkeypatch, capsys) -> tuple[int, str, Path]:
    """Run the CLI in-process from a copy of the case folder; return (status, stderr, folder)."""
    work = copy_case(name, tmp_path)
    monkeypatch.chdir(work)
    status = main(build_argv(name))
    return status, capsys.readouterr().err, work


def check_golden(name: str, stderr: str) -> None:
    """Compare *stderr* with the case's expected.txt, showing a unified diff on mismatch."""
    golden = CASES_DIR / name / "expected.txt"
    if SAVE:
        golden.write_text(stderr, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8") if golden.is_file() else ""
    if stderr != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), stderr.splitlines(True),
                                            f"{name}/expected.txt", "stderr"))
        pytest.fail(f"stderr of case {name!r} differs from its golden file "
                    f"(BOOKLET_SAVE_GOLDEN=1 to accept):\n{diff}", pytrace=False)


def expected_status(stderr: str) -> int:
    return 1 if any(line.startswith(("error:", "failed ")) for line in stderr.splitlines()) else 0


def chapter_tree(work: Path, name: str = "EPUB/chapter-01.xhtml"):
    with zipfile.ZipFile(work / "out" / "demo.epub") as archive:
        return etree.fromstring(archive.read(name))


@pytest.mark.parametrize("name", CASES)
def test_case_gives_exact_message(name, tmp_path, monkeypatch, capsys):
    status, stderr, work = run_case(name, tmp_path, monkeypatch, capsys)
    assert "Traceback" not in stderr
    check_golden(name, stderr)
    assert status == expected_status(stderr), stderr
    for line in stderr.splitlines():
        # Every problem names a file (except a missing tool), and says how to fix it.
        if line.startswith(("error: ", "warning: ")) and "Java" not in line:
            assert line.split(": ", 2)[1].startswith(("root/", "out")), line
            if "root/images/" not in line:      # figure files: booklet/figures words their own
                assert line.endswith(")"), f"no hint: {line}"
    out = work / "out"
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))
    assert (out / "demo.epub").is_file() == (status == 0)


# -- the cases that build: what they build ------------------------------------------------


def test_duplicate_headings_get_unique_ids(tmp_path, monkeypatch, capsys):
    status, stderr, work = run_case("duplicate-headings", tmp_path, monkeypatch, capsys)
    assert status == 0, stderr
    tree = chapter_tree(work)
    assert [h.get("id") for h in tree.iter(f"{XHTML}h2")] == ["review", "review-2", "review-3"]
    ids = [e.get("id") for e in tree.iter() if e.get("id")]
    assert len(ids) == len(set(ids))


def test_named_entities_become_characters(tmp_path, monkeypatch, capsys):
    status, stderr, work = run_case("entities", tmp_path, monkeypatch, capsys)
    assert status == 0, stderr
    with zipfile.ZipFile(work / "out" / "demo.epub") as archive:
        raw = archive.read("EPUB/chapter-01.xhtml").decode("utf-8")
    for entity in ("&nbsp;", "&eacute;", "&copy;", "&mdash;"):
        assert entity not in raw
    paragraph = next(p for p in etree.fromstring(raw.encode()).iter(f"{XHTML}p") if "caf" in (p.text or ""))
    assert paragraph.text == "A\u00a0B, café, © — & <ok>."


def test_unknown_key_warns_and_builds(tmp_path, monkeypatch, capsys):
    status, stderr, work = run_case("toml-unknown-key", tmp_path, monkeypatch, capsys)
    assert status == 0 and "warning: root/chapters/demo/booklet.toml:5: unknown key 'booklet.colour'" in stderr
    assert zipfile.ZipFile(work / "out" / "demo.epub").testzip() is None


def test_unknown_key_fails_with_strict(tmp_path, monkeypatch, capsys):
    status, stderr, work = run_case("toml-unknown-key-strict", tmp_path, monkeypatch, capsys)
    assert status == 1 and "--strict treats as errors" in stderr
    assert not (work / "out" / "demo.epub").exists()


def test_scripts_allowed_when_opted_in(tmp_path, monkeypatch, capsys):
    status, stderr, work = run_case("scripts-allowed", tmp_path, monkeypatch, capsys)
    assert status == 0, stderr
    tree = chapter_tree(work)
    assert next(tree.iter(f"{XHTML}script")).text == "var a = 1;"
    assert any(p.get("onclick") == "a++" for p in tree.iter(f"{XHTML}p"))
    with zipfile.ZipFile(work / "out" / "demo.epub") as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    item = next(i for i in opf.iter("{http://www.idpf.org/2007/opf}item") if i.get("href") == "chapter-01.xhtml")
    assert "scripted" in item.get("properties", "").split()


def test_scripts_refused_without_opt_in(tmp_path, monkeypatch, capsys):
    for name, needle in (("script-refused", "<script> is not allowed"), ("onclick-refused", "onclick=")):
        status, stderr, _ = run_case(name, tmp_path / name, monkeypatch, capsys)
        assert status == 1 and needle in stderr


def test_huge_image_refused_before_decoding(tmp_path, monkeypatch, capsys):
    """The 5000×5000 PNG is refused from its header: no pixel of it is ever decoded."""
    from PIL import Image, ImageFile

    decoded = []

    def refusing(real):
        def load(self):
            decoded.append(self.size)
            if self.size[0] * self.size[1] > 4_000_000:
                raise AssertionError(f"decoded a {self.size[0]}×{self.size[1]} image")
            return real(self)
        return load

    # ImageFile.load decodes files (PNG and all); Image.load the rest.
    monkeypatch.setattr(ImageFile.ImageFile, "load", refusing(ImageFile.ImageFile.load))
    monkeypatch.setattr(Image.Image, "load", refusing(Image.Image.load))
    status, stderr, _ = run_case("image-too-large", tmp_path, monkeypatch, capsys)
    assert status == 1
    assert "image 'huge.png' is 5000×5000 = 25,000,000 pixels, over the limit of 4,000,000" in stderr
    assert all(w * h <= 4_000_000 for w, h in decoded)
    huge = CASES_DIR / "image-too-large" / "root" / "images" / "demo" / "huge.png"
    assert huge.stat().st_size < 100_000          # the header claims the size, the file is tiny
    with Image.open(huge) as img:
        assert img.size == (5000, 5000)


def test_no_java_says_how_to_install(tmp_path, monkeypatch, capsys):
    """Validation without a Java runtime: one clear error, no traceback, no file left behind."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    work = copy_case("entities", tmp_path)
    monkeypatch.chdir(work)
    status = main(build_argv("entities", validate=True))
    stderr = capsys.readouterr().err
    assert status == 1
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: Java runtime not found: EPUBCheck needs Java 11 or newer "
                      "(install one, e.g. `apt-get install default-jre-headless` or from adoptium.net; "
                      "or build without validation: --no-validate)"]
    # It fails before any work: no output folder, let alone a half-made EPUB.
    assert not (work / "out").exists()


def test_all_errors_of_a_build_are_reported(tmp_path, monkeypatch, capsys):
    """Config, chapter and markup errors of one booklet come out together, in one run."""
    status, stderr, _ = run_case("many-errors", tmp_path, monkeypatch, capsys)
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert status == 1 and len(errors) == 6
    assert [e.split(":")[1].strip() for e in errors] == [
        "root/chapters/demo/booklet.toml", "root/chapters/demo/booklet.toml",
        "root/chapters/demo/02-empty.md", "root/chapters/demo/03-bad.md",
        "root/chapters/demo/01-introduction.md", "root/chapters/demo/01-introduction.md"]


def test_paths_outside_cwd_stay_absolute(tmp_path, monkeypatch, capsys):
    work = copy_case("chapter-empty", tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["build", "--root", str(work / "root"), "--out", str(elsewhere / "out"), "--no-validate"]) == 1
    empty = (work / "root" / "chapters" / "demo" / "02-empty.md").resolve()
    assert f"error: {empty}:1: the chapter is empty" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["toml-malformed", "image-symlink-out"])
def test_real_process_prints_no_traceback(name, tmp_path):
    """As a real ``python -m booklet`` process: the same golden stderr, exit status 1."""
    work = copy_case(name, tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "booklet", *build_argv(name)], cwd=work, env=env,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1
    assert proc.stderr == (CASES_DIR / name / "expected.txt").read_text(encoding="utf-8")


# -- escaping: markup characters and non-ASCII text come out as written, everywhere ------------

NASTY = "Tom & Jerry <b>\"quoted\" 'single'</b> café Straße 日本語 עברית"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_special_characters_escaped_everywhere(tmp_path, monkeypatch, capsys):
    """Titles, authors, descriptions, headings and glossary terms with & < > " ' and non-ASCII text."""
    from tests.conftest import make_root

    title, author = f"Title: {NASTY}", f"Author {NASTY}"
    description, subtitle = f"About {NASTY} & more", f"Sub {NASTY}"
    term, definition = "A&B \"q\" 'ß' café", f"Means {NASTY}."   # '<' cannot be written bare in Markdown
    heading = "Fish & Chips <\"café\"> 'ß' 日本語 עברית"
    toml = (f"[booklet]\ntitle = {_toml_string(title)}\nauthor = {_toml_string(author)}\nlanguage = \"en\"\n"
            f"description = {_toml_string(description)}\nsubtitle = {_toml_string(subtitle)}\n"
            f"series = {_toml_string('Series ' + NASTY)}\npublisher = {_toml_string('Pub ' + NASTY)}\n"
            'font = "cjk.otf"\n')     # the drawn cover needs a font with 日本語 (issue 15 item 8)
    glossary = f"[[term]]\nname = {_toml_string(term)}\ndefinition = {_toml_string(definition)}\n"
    chapter = f"# {heading}\n\n## Section {heading}\n\nThe term {term} is used here.\n"
    root = make_root(tmp_path, {"01-one.md": chapter}, toml=toml,
                     files={"chapters/demo/glossary.toml": glossary.encode("utf-8"),
                            "chapters/demo/cjk.otf": (REPO / "tests/fonts/NotoSansCJKjp-Regular-subset.otf").read_bytes()})
    out = tmp_path / "out"
    assert main(["build", "--root", str(root), "--out", str(out), "--no-validate"]) == 0, capsys.readouterr().err
    with zipfile.ZipFile(out / "demo.epub") as archive:
        doc = {name: etree.fromstring(archive.read(name)) for name in archive.namelist()
               if name.endswith((".opf", ".ncx", ".xhtml"))}
    dc = "{http://purl.org/dc/elements/1.1/}"
    opf = doc["EPUB/content.opf"]
    assert [e.text for e in opf.iter(f"{dc}title")] == [title, subtitle]
    assert next(opf.iter(f"{dc}creator")).text == author
    assert next(opf.iter(f"{dc}description")).text == description
    assert next(opf.iter(f"{dc}publisher")).text == "Pub " + NASTY
    assert "Series " + NASTY in [e.text for e in opf.iter("{http://www.idpf.org/2007/opf}meta")]

    ncx = doc["EPUB/toc.ncx"]
    texts = [e.text for e in ncx.iter("{http://www.daisy.org/z3986/2005/ncx/}text")]
    assert texts[:2] == [title, author] and heading in texts

    def text_of(element) -> str:
        return "".join(element.itertext())

    nav = doc["EPUB/nav.xhtml"]
    links = [text_of(a) for a in nav.iter(f"{XHTML}a")]
    assert heading in links and f"Section {heading}" in links and title in links

    page = doc["EPUB/chapter-01.xhtml"]
    assert next(page.iter(f"{XHTML}title")).text == heading
    assert text_of(next(page.iter(f"{XHTML}h1"))) == heading
    assert text_of(next(page.iter(f"{XHTML}h2"))) == f"Section {heading}"
    assert text_of(next(page.iter(f"{XHTML}dfn"))) == term
    assert definition in text_of(next(a for a in page.iter(f"{XHTML}aside") if "glossary-note" in a.get("class", "")))
    assert any(text_of(a) == term for a in page.iter(f"{XHTML}a"))

    titlepage = doc["EPUB/title.xhtml"]
    shown = [text_of(p) for p in titlepage.iter()]
    assert title in shown and author in shown and subtitle in shown and description in shown

    glossary_page = doc["EPUB/glossary.xhtml"]
    assert [text_of(d) for d in glossary_page.iter(f"{XHTML}dfn")] == [term]
    assert [text_of(d) for d in glossary_page.iter(f"{XHTML}dd")] == [definition]

"""docs/figures.md works as written: its figure files load and render without a warning,
its Markdown reference builds, and its `booklet figure` command runs (issue 19 item 4)."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

from PIL import Image

from booklet.cli import main
from booklet.figures import load_figure, render_figure

DOC = Path(__file__).resolve().parent.parent / "docs" / "figures.md"
BOOKLET_TOML = '[booklet]\ntitle = "Demo"\nauthor = "A. Author"\nlanguage = "en"\n'


def blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.M | re.S)


def figure_text(block: str) -> str:
    """A block as a figure file: fragments (a [legend] table) get a base of their own."""
    return block if re.search(r"^base = ", block, re.M) else 'base = "posterior-pelvis.png"\n' + block


def make_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "chapters" / "gluteus-medius").mkdir(parents=True)
    images = root / "images" / "gluteus-medius"
    images.mkdir(parents=True)
    Image.new("RGB", (1536, 2048), (250, 247, 241)).save(images / "posterior-pelvis.png")
    return root


def test_every_figure_file_in_the_doc_loads_and_renders_without_a_warning(tmp_path):
    toml_blocks = blocks("toml")
    assert len(toml_blocks) >= 2
    images = make_root(tmp_path) / "images" / "gluteus-medius"
    for n, block in enumerate(toml_blocks):
        path = images / f"example-{n}.toml"
        path.write_text(figure_text(block), encoding="utf-8")
        fig = load_figure(path)
        assert fig.warnings == [], (n, fig.warnings)
        assert render_figure(fig).width == 1536


def test_the_docs_markdown_reference_and_figure_command_work(tmp_path, monkeypatch, capsys):
    root = make_root(tmp_path)
    (root / "images" / "gluteus-medius" / "overview.toml").write_text(figure_text(blocks("toml")[0]),
                                                                       encoding="utf-8")
    chapter = root / "chapters" / "gluteus-medius"
    (chapter / "booklet.toml").write_text(BOOKLET_TOML, encoding="utf-8")
    (chapter / "01-figures.md").write_text("# Figures\n\n" + blocks("markdown")[0], encoding="utf-8")
    monkeypatch.chdir(root)
    assert main(["build", "gluteus-medius", "--no-validate", "--strict"]) == 0, capsys.readouterr().err
    commands = [shlex.split(line) for block in blocks("sh") for line in block.splitlines()
                if line.startswith("booklet figure")]
    assert commands
    for command in commands:
        assert main(command[1:]) == 0
        out = command[command.index("--out") + 1] if "--out" in command else None
        assert out is None or Path(out).is_file()

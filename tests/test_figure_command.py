"""`booklet figure FILE.toml [--grid] [--out PNG]`: one figure, rendered as the build renders it."""
from __future__ import annotations

import os
import re
from pathlib import Path

from PIL import Image, ImageChops, ImageStat

from booklet.cli import main
from tests.test_figures import make_base

GOLDEN = Path(__file__).resolve().parent / "golden" / "figure-command-grid.png"
GOLDEN_SIZE = (512, 256)

SYNTHETIC = """base = "base.png"
legend = "top-left"

[[marker]]
id = "one"
label = "First point"
x = 0.6
y = 0.35
number = 1
color = "#1f77b4"

[[zone]]
id = "one-ess"
for = "one"
smooth = true
points = [[0.55, 0.15], [0.8, 0.2], [0.75, 0.5], [0.55, 0.45]]

[[zone]]
id = "one-spill"
for = "one"
kind = "spillover"
points = [[0.5, 0.6], [0.9, 0.6], [0.9, 0.95], [0.5, 0.95]]

[[callout]]
text = "Crest"
at = [0.3, 0.7]
label_at = [0.15, 0.85]
"""


def write(tmp_path: Path) -> Path:
    make_base(tmp_path, size=(400, 200), color=(236, 226, 212))
    path = tmp_path / "fig.toml"
    path.write_text(SYNTHETIC, encoding="utf-8")
    return path


def test_figure_command_renders_the_golden_picture_within_a_second(tmp_path, capsys):
    out = tmp_path / "out.png"
    assert main(["figure", str(write(tmp_path)), "--grid", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    seconds = float(re.search(r"\(2048 x 1024\) in ([\d.]+) s", said).group(1))
    assert seconds < 1.0, said
    small = Image.open(out).convert("RGB").resize(GOLDEN_SIZE, Image.Resampling.BOX)
    if os.environ.get("BOOKLET_SAVE_GOLDEN"):
        small.quantize(256, dither=Image.Dither.NONE).save(GOLDEN, optimize=True)
    golden = Image.open(GOLDEN).convert("RGB")
    diff = ImageChops.difference(small, golden)
    # Font rasterising may differ by a shade between FreeType builds; a moved mark does not.
    assert max(ImageStat.Stat(diff).mean) < 1.5
    assert sum(1 for p in diff.convert("L").tobytes() if p > 48) < 0.002 * GOLDEN_SIZE[0] * GOLDEN_SIZE[1]


def test_grid_is_drawn_only_when_asked(tmp_path, capsys):
    path = write(tmp_path)
    main(["figure", str(path), "--out", str(tmp_path / "plain.png")])
    main(["figure", str(path), "--grid", "--out", str(tmp_path / "grid.png")])
    plain, grid = (Image.open(tmp_path / n).convert("RGB") for n in ("plain.png", "grid.png"))
    x = round(0.1 * plain.width)                      # a coarse grid line, far from any mark
    column = [(x, y) for y in range(300, 700, 10)]
    # (the palette PNG may move the base colour by a shade)
    assert all(max(abs(a - b) for a, b in zip(plain.getpixel(p), (236, 226, 212))) <= 2 for p in column)
    assert all(grid.getpixel(p)[2] > grid.getpixel(p)[0] + 40 for p in column)


def test_default_output_and_bad_file(tmp_path, capsys, monkeypatch):
    write(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["figure", "fig.toml"]) == 0
    assert (tmp_path / "fig.figure.png").is_file()
    assert main(["figure", "base.png"]) == 1
    assert "error: base.png: not a figure file" in capsys.readouterr().err
    assert main(["figure", "fig.toml", "--out", "base.png"]) == 1
    assert "--out names the figure's own base image" in capsys.readouterr().err


def test_taps_are_drawn_at_their_size_on_an_820_px_page(tmp_path, capsys):
    path = write(tmp_path)
    main(["figure", str(path), "--taps", "--out", str(tmp_path / "taps.png")])
    im = Image.open(tmp_path / "taps.png").convert("RGB")
    radius = 22 * im.width / 820                     # 44 CSS px across, the figure 820 px wide
    cx, cy = 0.6 * im.width, 0.35 * im.height         # the marker
    ring = im.getpixel((round(cx - radius), round(cy)))
    assert ring[1] > ring[0] + 60 and ring[1] > ring[2], ring      # the green ring, on the base
    outside = im.getpixel((round(cx - radius - 8), round(cy)))
    assert not outside[1] > outside[0] + 60

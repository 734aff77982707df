"""Every image mode Pillow opens comes out right: 16-bit scaled (not clamped), palette
transparency, grey with alpha and CMYK JPEG (issue 15 item 8), in figures and thumbnails."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from booklet.figures import load_figure, render_figure
from booklet.figures.imaging import to_rgb
from booklet.publish.catalog import make_thumbnail
from tests.test_figures import decode


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png16(size, colour_type: int, sample) -> bytes:
    """A 16-bit PNG of one colour, written by hand (Pillow cannot save 16-bit RGB)."""
    w, h = size
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    row = b"\x00" + struct.pack(">" + "H" * channels, *sample) * w
    return (b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(row * h)) + png_chunk(b"IEND", b""))


def palette_with_transparency() -> bytes:
    image = Image.new("P", (8, 8), 0)
    image.putpalette([0, 0, 0, 40, 120, 200])
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=0)     # index 0 (black) is fully transparent
    return buffer.getvalue()


def saved(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


# (bytes of the image, the RGB it must come out as, tolerance)
CASES = {
    "16-bit grey": (lambda: png16((8, 8), 0, (0x8080,)), (128, 128, 128), 1),
    "16-bit grey, dark": (lambda: png16((8, 8), 0, (0x2000,)), (32, 32, 32), 1),
    "16-bit RGB": (lambda: png16((8, 8), 2, (0xFFFF, 0x8000, 0x2000)), (255, 128, 32), 1),
    "16-bit grey + alpha": (lambda: png16((8, 8), 4, (0x0000, 0x0000)), (255, 255, 255), 0),
    "16-bit RGBA half": (lambda: png16((8, 8), 6, (0, 0, 0, 0x8080)), (127, 127, 127), 2),
    "palette with transparency": (palette_with_transparency, (255, 255, 255), 0),
    "grey + alpha": (lambda: saved(Image.new("LA", (8, 8), (0, 128)), "PNG"), (127, 127, 127), 2),
    "CMYK JPEG": (lambda: saved(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG"), (237, 28, 36), 40),
}


def close(px, expected, tolerance) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(px, expected))


@pytest.mark.parametrize("case", sorted(CASES))
def test_to_rgb(case):
    make, expected, tolerance = CASES[case]
    with Image.open(io.BytesIO(make())) as image:
        image.load()
        rgb = to_rgb(image)
    assert rgb.mode == "RGB"
    assert close(rgb.getpixel((4, 4)), expected, tolerance), rgb.getpixel((4, 4))


def test_plain_convert_would_clamp_16_bit_grey():
    """The bug of issue 15: convert("RGB") turns mid grey into white."""
    with Image.open(io.BytesIO(png16((8, 8), 0, (0x8080,)))) as image:
        assert image.convert("RGB").getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize("case", ["16-bit grey", "16-bit RGB", "palette with transparency", "CMYK JPEG"])
def test_figure_base_in_any_mode(tmp_path, case):
    make, expected, tolerance = CASES[case]
    name = "base.jpg" if "JPEG" in case else "base.png"
    (tmp_path / name).write_bytes(make())
    (tmp_path / "fig.toml").write_text(f'base = "{name}"\nlegend = "none"\n', encoding="utf-8")
    im = decode(render_figure(load_figure(tmp_path / "fig.toml")))
    assert close(im.getpixel((im.width // 2, im.height // 2)), expected, tolerance + 2)


def test_catalog_thumbnail_of_a_16_bit_cover():
    data, size = make_thumbnail(png16((16, 16), 0, (0x4040,)))
    with Image.open(io.BytesIO(data)) as thumb:
        assert close(thumb.convert("RGB").getpixel((8, 8)), (64, 64, 64), 3)

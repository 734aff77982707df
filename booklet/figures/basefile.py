"""Check a figure's base image from its file header: where it is, its format and its size."""
from __future__ import annotations

import difflib
import warnings
from pathlib import Path, PurePosixPath, PureWindowsPath

from PIL import Image, UnidentifiedImageError

from .checker import _Checker, _show

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")

#: Largest base image accepted, in pixels (checked from the header, before decoding).
MAX_BASE_PIXELS = 4_000_000


HINT = "name a PNG or JPEG file beside the figure file, e.g. base = \"drawing.png\""


def _check_base(check: _Checker, data: dict) -> tuple[Path, str, tuple[int, int]] | None:
    """The base image's resolved path, format and size (as shown), or None after an error."""
    raw = check.string(data, "base", "figure", "", None, required=True)
    resolved = None if raw is None else _base_path(check, raw)
    if resolved is None:
        return None
    header = _base_header(check, raw, resolved)
    if header is None:
        return None
    fmt, (width, height) = header
    if fmt not in ("PNG", "JPEG"):
        check.error(f"base image {_show(raw)} is {fmt}, not PNG or JPEG", key="base", hint=HINT)
        return None
    if width * height > MAX_BASE_PIXELS:
        check.error(f"base image {_show(raw)} is {width} x {height} = {width * height:,} px, "
                    f"over the {MAX_BASE_PIXELS:,} px limit", key="base", hint="scale it down")
        return None
    if width < 1 or height < 1:
        check.error(f"base image {_show(raw)} is empty", key="base")
        return None
    return resolved, fmt, (width, height)


def _base_path(check: _Checker, raw: str) -> Path | None:
    """The named file, resolved, if it is a file inside the figure's folder."""
    folder = check.path.parent
    hint = HINT
    if ("\\" in raw or PurePosixPath(raw).is_absolute() or PureWindowsPath(raw).drive
            or ".." in PurePosixPath(raw).parts):
        check.error(f"base = {_show(raw)} points outside the figure's folder", key="base", hint=hint)
        return None
    candidate = folder / raw
    if not candidate.exists():
        if candidate.is_symlink():
            check.error(f"base image {_show(raw)} is a broken symlink", key="base", hint=hint)
        else:
            check.error(f"base image {_show(raw)} not found", key="base",
                        hint=nearest_file(raw, candidate.parent, IMAGE_SUFFIXES) or hint)
        return None
    resolved = candidate.resolve()
    if not resolved.is_relative_to(folder.resolve()):
        check.error(f"base = {_show(raw)} points outside the figure's folder (through a symlink)",
                    key="base", hint=hint)
        return None
    if not resolved.is_file():
        check.error(f"base image {_show(raw)} is not a file", key="base", hint=hint)
        return None
    return resolved


def _base_header(check: _Checker, raw: str, resolved: Path) -> tuple[str, tuple[int, int]] | None:
    """Format and size from the file header alone, nothing decoded."""
    hint = HINT
    try:
        with warnings.catch_warnings():
            # Only the header is read here; the size is checked below, before any decoding.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(resolved) as im:
                fmt, size = im.format, im.size
                # A camera JPEG may be stored sideways; coordinates refer to it as shown.
                # (Only JPEG: its EXIF is in the header.  Pillow decodes a whole PNG to
                # look for an eXIf chunk, and nothing may be decoded here.)
                if (fmt == "JPEG" and size[0] * size[1] <= MAX_BASE_PIXELS
                        and im.getexif().get(0x0112) in (5, 6, 7, 8)):
                    size = (size[1], size[0])
    except Image.DecompressionBombError:
        check.error(f"base image {_show(raw)} is over the {MAX_BASE_PIXELS:,} px limit",
                    key="base", hint="scale it down")
        return None
    except UnidentifiedImageError:
        check.error(f"base image {_show(raw)} is not a PNG or JPEG image", key="base", hint=hint)
        return None
    except OSError as exc:
        check.error(f"base image {_show(raw)} cannot be read: {exc.strerror or exc}", key="base")
        return None
    return fmt, size


def nearest_file(name: str, folder: Path, suffixes: tuple[str, ...]) -> str | None:
    """'did you mean "x.png"?' for the file in ``folder`` whose name is nearest ``name``."""
    try:
        names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in suffixes and p.is_file())
    except OSError:
        return None
    close = difflib.get_close_matches(PurePosixPath(name).name, names, n=1, cutoff=0.5)
    return f"did you mean {_show(close[0])}?" if close else None

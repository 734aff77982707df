"""One rule for every file a build reads: it lies inside the root or the packaged defaults.

A booklet root is untrusted (issue 15): a symbolic link inside it may point anywhere, so
every path is checked after the links are followed, not as written. The reader checks
chapters, folders and TOML files against the root; the theme checks templates, the style
sheet and fonts against the root or the packaged folder; the asset store checks images,
figure files and covers against the root.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from booklet.errors import ConfigError, ContentError

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def inside(path: Path, base: Path, what: str, error=ContentError) -> Path:
    """Return *path* with its links followed, or raise *error* if that leaves *base*.

    *what* names the file in the message ("chapter", "template", ...).
    """
    try:
        real = Path(path).resolve()
        home = Path(os.path.realpath(base))
    except (OSError, ValueError, RuntimeError):         # a loop, a NUL byte, a name too long
        raise error(f"the {what} cannot be followed to a file (a link that loops?)", path,
                    hint="replace the link by the file itself") from None
    if real == home or real.is_relative_to(home):
        return real
    if _is_link_on_the_way(path, base):
        raise error(f"the {what} is a symbolic link that leads outside the booklet root", path,
                    hint="copy it into the booklet root instead of linking to it")
    raise error(f"the {what} lies outside the booklet root", path,
                hint="keep every file of a booklet inside its root")


def _is_link_on_the_way(path: Path, base: Path) -> bool:
    """Tell whether *path* or one of its folders below *base* is a symbolic link."""
    current = Path(path)
    try:
        stop = Path(os.path.abspath(base))
        while current != current.parent and Path(os.path.abspath(current)) != stop:
            if current.is_symlink():
                return True
            current = current.parent
    except (OSError, ValueError):
        return False
    return False


def is_file_inside(path: Path, root: Path, what: str, error=ContentError) -> bool:
    """Tell whether *path* is a file; raise if it exists but leads outside *root*."""
    try:
        exists = path.is_file() or path.is_symlink()
    except (OSError, ValueError):          # a name too long, a NUL byte: not a file we can have
        return False
    if not exists:
        return False
    return inside(path, root, what, error).is_file()


def check_slug(slug: str, root: Path) -> None:
    """Refuse a slug given on the command line that is not lowercase words joined by hyphens."""
    if SLUG.match(slug):
        return
    guess = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")
    raise ConfigError(f"invalid booklet name {slug!r}: a slug is lowercase letters and digits with single "
                      "hyphens, naming a folder chapters/<slug>/", Path(root) / "chapters",
                      hint=f"did you mean {guess!r}?" if guess and guess != slug else
                      "give the folder name, e.g. gluteus-medius")

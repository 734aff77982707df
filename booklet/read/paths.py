"""One rule for every file a build reads: it lies inside the root or the packaged defaults.

A booklet root is untrusted (issue 15): a symbolic link inside it may point anywhere, so
every path is checked after the links are followed, not as written.
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


def inside_root(path: Path, root: Path, what: str, error=ContentError) -> Path:
    """Return *path* resolved if it lies inside *root* or the packaged defaults, else raise."""
    from booklet.render.theme import default_template_dir

    defaults = default_template_dir()
    if _resolved_under(path, defaults) and not _resolved_under(path, root):
        return inside(path, defaults, what, error)
    return inside(path, root, what, error)


def _resolved_under(path: Path, base: Path) -> bool:
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(base))
    except (OSError, ValueError):
        return False


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
    real = inside_root(path, root, what, error)
    return real.is_file()


def check_slug(slug: str, root: Path) -> None:
    """Refuse a slug given on the command line that is not lowercase words joined by hyphens."""
    if SLUG.match(slug):
        return
    guess = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")
    raise ConfigError(f"invalid booklet name {slug!r}: a slug is lowercase letters and digits with single "
                      "hyphens, naming a folder chapters/<slug>/", Path(root) / "chapters",
                      hint=f"did you mean {guess!r}?" if guess and guess != slug else
                      "give the folder name, e.g. gluteus-medius")

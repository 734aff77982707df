"""Scaffold a new booklet from the starter files: chapters/SLUG/ and images/SLUG/ in a root.

The starter lives in booklet/starter/ (package data, so it is found in a source checkout
and in an installed wheel alike): ``chapters/`` and ``images/`` hold the files to copy,
``*.j2`` among them filled in with Jinja2; the pictures are drawn by
:mod:`booklet.starter.drawings`.
"""
from __future__ import annotations

import datetime
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote_plus

import jinja2

from booklet.read import config
from booklet.errors import BookletError
from booklet.model import image_dir, source_dir
from booklet.starter.drawings import PICTURES

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DEFAULT_AUTHOR = "Your Name"
# What each starter file is for, shown by `booklet new` beside the file it created.
PURPOSES = {
    "booklet.toml": "title, author, language and the other metadata",
    "glossary.toml": "terms that open a popup where they first appear",
    "01-introduction.md": "chapter 1: tip, caution and note callouts, a footnote, a review quiz",
    "02-anatomy.md": "chapter 2: an annotated figure, the partners callout, a quiz",
    "03-self-treatment.md": "chapter 3: a gallery, a video card, a footnote, a quiz",
    "anatomy.toml": "the figure file: a trigger point, its pain zones, two labels",
    "anatomy.png": "a placeholder drawing: put yours beside it and name it in anatomy.toml",
    "ball-wall.png": "a gallery picture",
    "ball-floor.png": "a gallery picture",
    "video-poster.png": "the video card's poster",
}


@dataclass
class NewBooklet:
    """What `booklet new` was asked to make."""

    slug: str
    root: Path
    title: str | None = None
    author: str | None = None
    language: str = "en"

    @property
    def muscle(self) -> str:
        """The muscle's name as the starter text uses it: the slug in words."""
        return self.slug.replace("-", " ")


def check_slug(slug: str) -> None:
    """Refuse a slug that is not lowercase words joined by single hyphens."""
    if SLUG.match(slug):
        return
    guess = re.sub(r"[^a-z0-9]+", "-", _ascii(slug).lower()).strip("-")
    raise BookletError(f"invalid slug {slug!r}: use lowercase letters and digits, with single hyphens "
                       "between words, such as 'piriformis' or 'gluteus-medius'",
                       hint=f"did you mean {guess!r}?" if guess else None)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def default_title(slug: str) -> str:
    return f"Trigger Point Therapy for the {slug.replace('-', ' ').title()}"


def check_request(new: NewBooklet) -> None:
    """Refuse a bad slug, title, author or language, and a booklet that already exists."""
    check_slug(new.slug)
    for key, value in (("title", new.title), ("author", new.author)):
        if value is not None and not value.strip():
            raise BookletError(f"the {key} must not be empty", hint=f"pass --{key} \"...\" or leave it out")
        if value is not None and ("\n" in value or "\r" in value):
            raise BookletError(f"the {key} must be one line of text, not {value!r}")
    problem = config._check_value("language", new.language)
    if problem:
        raise BookletError(f"--language {problem}")
    if new.root.exists() and not new.root.is_dir():
        raise BookletError("the booklet root is not a folder", new.root,
                           hint="--root names the folder that holds, or will hold, chapters/ and images/")
    for folder in target_dirs(new):
        if folder.exists() or folder.is_symlink():
            raise BookletError(f"'{new.slug}' already exists: booklet new never overwrites a booklet", folder,
                               hint="choose another slug, or move the folder away first")


def target_dirs(new: NewBooklet) -> tuple[Path, Path]:
    """The booklet's chapter folder and image folder."""
    return source_dir(new.root, new.slug), image_dir(new.root, new.slug)


def starter_files(new: NewBooklet, today: datetime.date | None = None) -> dict[Path, bytes]:
    """Return every file of the new booklet, by path relative to the root."""
    today = today or datetime.date.today()
    values = _template_values(new, today)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    env.filters["toml"] = _toml_string
    starter = resources.files("booklet").joinpath("starter")
    files: dict[Path, bytes] = {}
    for part, target in zip(("chapters", "images"), target_dirs(new)):
        for item in sorted(starter.joinpath(part).iterdir(), key=lambda t: t.name):
            if not item.is_file():
                continue
            name = target.relative_to(new.root) / item.name.removesuffix(".j2")
            if item.name.endswith(".j2"):
                files[name] = env.from_string(item.read_text(encoding="utf-8")).render(values).encode("utf-8")
            else:
                files[name] = item.read_bytes()
    image_dir = target_dirs(new)[1].relative_to(new.root)
    for name, draw in PICTURES.items():
        files[image_dir / name] = draw()
    return {name: files[name] for name in sorted(files, key=_listing_order)}


def _listing_order(name: Path) -> tuple:
    """Chapters before images, then in the order of PURPOSES: how `booklet new` lists them."""
    known = list(PURPOSES)
    return name.parts[0] != "chapters", known.index(name.name) if name.name in known else len(known), name.name


def _template_values(new: NewBooklet, today: datetime.date) -> dict[str, str]:
    muscle = new.muscle
    return {
        "slug": new.slug,
        "title": (new.title or default_title(new.slug)).strip(),
        "author": (new.author or DEFAULT_AUTHOR).strip(),
        "language": new.language,
        "date": today.isoformat(),
        "year": str(today.year),
        "muscle": muscle,
        "Muscle": muscle[:1].upper() + muscle[1:],
        "description": f"An interactive booklet on the {muscle}: where it lies, where its trigger points "
                       "send pain, and how to release them yourself.",
        "search": quote_plus(f"{muscle} trigger point self massage"),
    }


def _toml_string(value: str) -> str:
    """Quote *value* as a TOML basic string (JSON's escapes are all valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def create_booklet(new: NewBooklet) -> list[Path]:
    """Write the starter booklet into the root; return the files written, relative to the root."""
    check_request(new)
    files = starter_files(new)
    (new.root / "chapters").mkdir(parents=True, exist_ok=True)
    (new.root / "images").mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    try:
        for folder in target_dirs(new):
            folder.mkdir()          # fails if another process made it since the check
            made.append(folder)
        for name, data in files.items():
            (new.root / name).write_bytes(data)
    except FileExistsError as exc:
        _remove(made)
        raise BookletError(f"'{new.slug}' already exists: booklet new never overwrites a booklet",
                           exc.filename) from None
    except BaseException:
        _remove(made)
        raise
    return list(files)


def _remove(folders: list[Path]) -> None:
    """Take back a half-made booklet, so that running the command again works."""
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)

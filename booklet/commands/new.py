"""``booklet new``: start a booklet from the starter files, ready to build."""
from __future__ import annotations

import shlex
from pathlib import Path

from booklet.scaffold import DEFAULT_AUTHOR, PURPOSES, NewBooklet, create_booklet


def add_parser(sub) -> None:
    parser = sub.add_parser(
        "new", help="start a new booklet from the starter files",
        description="Create chapters/SLUG/ and images/SLUG/ in the booklet root: a booklet.toml, three starter "
                    "chapters that use every Markdown feature, a glossary, a figure file and pictures. "
                    "It builds as it is; replace the starter text and pictures with your own.")
    parser.add_argument("slug", metavar="SLUG",
                        help="the booklet's short name: lowercase words joined by hyphens, e.g. piriformis")
    parser.add_argument("--title", help='the title (default: "Trigger Point Therapy for the <Muscle>")')
    parser.add_argument("--root", type=Path, default=Path("."), help="booklet root (default: .)")
    parser.add_argument("--author", help=f'the author shown in the booklet (default: "{DEFAULT_AUTHOR}")')
    parser.add_argument("--language", default="en", help="a BCP 47 language tag (default: en)")
    parser.set_defaults(run=run)


def run(args) -> int:
    new = NewBooklet(slug=args.slug, root=args.root, title=args.title, author=args.author,
                     language=args.language)
    files = create_booklet(new)
    print(f"created the booklet '{new.slug}' in {_shown(args.root)}:")
    width = max(len(str(f)) for f in files)
    for name in files:
        print(f"  {str(name):<{width}}  {PURPOSES.get(name.name, '')}".rstrip())
    config = Path("chapters") / new.slug / "booklet.toml"
    if args.author is None:
        print(f'\nThe author is "{DEFAULT_AUTHOR}": change it in {config} (or pass --author next time).')
    root = "" if args.root == Path(".") else f" --root {shlex.quote(str(args.root))}"
    print("\nNext, build it and open the EPUB in a reader:\n"
          f"  booklet build {new.slug}{root}\n"
          f"Then replace the starter text and pictures; each chapter says what goes where.\n"
          f"Step by step: docs/adding-a-muscle.md in the booklet repository; every feature: docs/authoring.md.")
    return 0


def _shown(root: Path) -> str:
    return "the current folder" if root == Path(".") else str(root)

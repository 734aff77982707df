"""The command line: ``booklet build | validate | new | serve | preview | studio | figure``.

Each command lives in booklet/commands/<name>.py with ``add_parser`` and ``run``;
this module only dispatches and turns BookletError into a message and exit status 1.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from booklet import __version__
from booklet.errors import BookletError, BuildErrors, display_path

COMMANDS = ("build", "validate", "new", "serve", "preview", "studio", "figure")


def make_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or with *only* that one (the others are not imported:
    a no-change rebuild must not pay for the modules of ``serve`` or ``validate``)."""
    parser = argparse.ArgumentParser(prog="booklet", description="Build interactive EPUB 3 booklets from Markdown.")
    parser.add_argument("--version", action="version", version=f"booklet {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (only,) if only else COMMANDS:
        try:
            module = importlib.import_module(f"booklet.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"booklet.commands.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status."""
    words = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
    parser = make_parser(words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except BuildErrors as exc:
        if args.debug:
            raise
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return 1
    except BookletError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        # The file system said no (permissions, a full disk, a file where a folder should be).
        if args.debug:
            raise
        where = f"{display_path(exc.filename)}: " if exc.filename else ""
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            what, hint = "is a file where a folder is needed", "move it away or choose another --out"
        elif isinstance(exc, PermissionError):
            what, hint = "permission denied", "choose a folder you may write to"
        else:
            what, hint = exc.strerror or str(exc), "check the path and the free space"
        print(f"error: {where}{what} ({hint})", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last resort: a bug, said plainly
        if args.debug:
            raise
        print(f"error: internal error: {type(exc).__name__}: {exc} (this is a bug in booklet: "
              "run again with --debug for the traceback and report it)", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())

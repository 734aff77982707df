"""``booklet build``: build booklets into EPUBs, validated by default."""
from __future__ import annotations

import sys
from pathlib import Path

from booklet.pipeline import BookletResult, BuildOptions, build


def add_parser(sub) -> None:
    parser = sub.add_parser("build", help="build booklets into EPUB files")
    add_build_arguments(parser)
    parser.set_defaults(run=run)


def add_build_arguments(parser) -> None:
    parser.add_argument("slugs", nargs="*", metavar="SLUG", help="booklets to build (default: all)")
    parser.add_argument("--root", type=Path, default=Path("."), help="booklet root (default: .)")
    parser.add_argument("--out", type=Path, help="output folder (default: ROOT/dist)")
    parser.add_argument("--no-validate", dest="validate", action="store_false", help="skip EPUBCheck")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")


def run(args) -> int:
    out = args.out or args.root / "dist"
    results = build(BuildOptions(root=args.root, out=out, slugs=args.slugs, validate=args.validate,
                                 strict=args.strict))
    report(results)
    return 0 if all(r.ok and r.epub for r in results) else 1


def report(results: list[BookletResult]) -> None:
    """Print warnings and errors, then one line per booklet."""
    for result in results:
        for warning in result.warnings:
            print(f"warning: {_text(warning)}", file=sys.stderr)
        for error in result.errors:
            print(f"error: {error}", file=sys.stderr)
    for result in results:
        if result.epub:
            print(f"built {result.epub} ({result.chapters} chapters, {result.figures} figures, "
                  f"{result.size / 1024:.0f} KiB, {result.validation}, {result.seconds:.1f} s)")
        else:
            print(f"failed {result.slug}: {len(result.errors)} error(s)", file=sys.stderr)


def _text(warning) -> str:
    if hasattr(warning, "severity"):
        from booklet.validate import format_message

        return format_message(warning).split(": ", 1)[-1]
    return str(warning)

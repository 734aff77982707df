"""``booklet build``: build booklets into EPUBs, validated by default."""
from __future__ import annotations

import sys
from pathlib import Path

from booklet.errors import format_text
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
    parser.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                        help="worker processes (default: number of cores)")
    parser.add_argument("--no-cache", dest="cache", action="store_false",
                        help="ignore the build cache and rebuild everything")


def run(args) -> int:
    out = args.out or args.root / "dist"
    options = BuildOptions(root=args.root, out=out, slugs=args.slugs, validate=args.validate,
                           strict=args.strict, jobs=args.jobs, cache=args.cache)
    with Progress(len(args.slugs) or None) as progress:
        results = build(options, progress.update)
    report(results)
    return 0 if all(r.ok and r.epub for r in results) else 1


class Progress:
    """A tqdm bar on a terminal, one plain line per booklet otherwise."""

    def __init__(self, total: int | None):
        self.total = total
        self.bar = None
        self.tty = sys.stderr.isatty()

    def __enter__(self):
        return self

    def update(self, result: BookletResult) -> None:
        if self.tty:
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=self.total, unit="booklet", file=sys.stderr, leave=False)
            self.bar.set_postfix_str(result.slug)
            self.bar.update(1)
        else:
            state = "cached" if result.cached else ("made" if result.ok else "failed")
            print(f"{state} {result.slug}", file=sys.stderr)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


def report(results: list[BookletResult]) -> None:
    """Print warnings and errors, then a summary table."""
    for result in results:
        for warning in result.warnings:
            print(format_text(warning), file=sys.stderr)
        for error in result.errors:
            print(format_text(error.diagnostic), file=sys.stderr)
    rows = [("booklet", "chapters", "figures", "size", "validation", "time")]
    for r in results:
        status = r.validation + (" (cached)" if r.cached else "") if r.ok and r.epub else "FAILED"
        rows.append((r.slug, str(r.made.chapters), str(r.made.figures), f"{r.size / 1024:.0f} KiB" if r.epub else "-",
                     status, f"{r.seconds:.1f} s"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) if i == 0 or i == 4 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
    for r in results:
        if r.epub:
            print(f"built {r.epub}")
        else:
            why = f"{len(r.errors)} error(s)" if r.errors or not r.warnings else \
                f"{len(r.warnings)} warning(s), which --strict treats as errors"
            print(f"failed {r.slug}: {why}", file=sys.stderr)

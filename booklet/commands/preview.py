"""``booklet preview``: screenshot every page of a booklet as an iPad would show it."""
from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub) -> None:
    parser = sub.add_parser("preview", help="render every page in headless Chromium and report layout problems",
                            description="Render every page of a booklet in headless Chromium at iPad portrait "
                                        "(820x1180) and landscape (1180x820), light and dark; write PNGs and a "
                                        "contact sheet; report pages that scroll sideways or log errors. "
                                        "Builds the booklet first if ROOT/dist/SLUG.epub is missing.")
    parser.add_argument("slug", metavar="SLUG", help="the booklet to preview")
    parser.add_argument("--root", type=Path, default=Path("."), help="booklet root (default: .)")
    parser.add_argument("--out", type=Path, help="output folder (default: ROOT/dist/preview/SLUG)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from booklet.publish.preview import preview

    result = preview(args.root, args.slug, args.out)
    print(f"wrote {len(result.shots)} screenshots and {result.contact_sheet}")
    for problem in result.problems:
        print(f"problem: {problem}", file=sys.stderr)
    if result.problems:
        pages = len({p.page for p in result.problems})
        print(f"{len(result.problems)} problem(s) on {pages} page(s)", file=sys.stderr)
        return 1
    return 0

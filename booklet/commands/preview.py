"""``booklet preview``: screenshot every page of a booklet as an iPad would show it."""
from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub) -> None:
    parser = sub.add_parser("preview", help="render every page in headless Chromium and report layout problems",
                            description="Screenshot every page of a booklet as a reader shows it (foliate-js, "
                                        "the studio's reading engine, in headless Chromium) at iPad portrait "
                                        "(820x1180) and landscape (1180x820), light and night, plus a figure popup "
                                        "and an answered quiz per chapter; write PNGs and a contact sheet; report "
                                        "pages that scroll sideways or log errors. Rebuilds ROOT/dist/SLUG.epub "
                                        "first when it is missing or its sources changed; removes the screenshots "
                                        "of an earlier preview.")
    parser.add_argument("slug", metavar="SLUG", help="the booklet to preview")
    parser.add_argument("--root", type=Path, default=Path("."), help="booklet root (default: .)")
    parser.add_argument("--out", type=Path, help="output folder (default: ROOT/dist/preview/SLUG)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from booklet.publish.preview import preview

    result = preview(args.root, args.slug, args.out)
    if result.rebuilt:
        print(f"rebuilt {args.slug}: its sources had changed since the EPUB was made (or it was missing)",
              file=sys.stderr)
    if result.removed:
        print(f"removed {result.removed} screenshots of an earlier preview", file=sys.stderr)
    print(f"wrote {len(result.shots)} screenshots and {result.contact_sheet}")
    for problem in result.problems:
        print(f"problem: {problem}", file=sys.stderr)
    if result.problems:
        pages = len({p.page for p in result.problems})
        print(f"{len(result.problems)} problem(s) on {pages} page(s)", file=sys.stderr)
        return 1
    return 0

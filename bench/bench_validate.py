"""Benchmark: EPUBCheck over 1 and over N EPUBs, each in one ``run_epubcheck`` call.

    python bench/bench_validate.py                       # a small EPUB made here with ebooklib
    python bench/bench_validate.py dist/gluteus-medius.epub --count 10 --repeat 3
    python bench/bench_validate.py --strategy all        # launcher, source and cli

Prints, per strategy, the wall time for 1 and for N EPUBs, the time per EPUB, the
time outside the per-EPUB checks (JVM start) and the ratio N/1; the target is a
ratio under 3 for N = 10. The best of ``--repeat`` runs counts. Not run by the tests.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from booklet.check.epubcheck import STRATEGIES, run_epubcheck  # noqa: E402

CHAPTER = """<h1 id="top">{title}</h1>
<p>Trigger points in {title} refer pain to the low back, the hip and the buttock.
Press slowly, hold for thirty seconds, breathe out, and release.</p>
<ul><li>Stretch gently afterwards.</li><li>Drink water.</li></ul>
"""


def make_epub(path: Path) -> Path:
    """A small valid EPUB 3 (navigation document, three chapters) written with ebooklib."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("urn:uuid:5d1c7f0e-1c6b-4a7e-9a52-2b0c0f3b9e01")
    book.set_title("Benchmark booklet")
    book.set_language("en")
    book.add_author("booklet")
    chapters = []
    for number, title in enumerate(("Gluteus medius", "Quadratus lumborum", "Piriformis"), 1):
        chapter = epub.EpubHtml(title=title, file_name=f"chapter-{number:02d}.xhtml", lang="en")
        chapter.content = CHAPTER.format(title=title)
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    epub.write_epub(str(path), book)
    return path


def timed(epubs: list[Path], strategy: str | None) -> tuple[float, object]:
    started = time.perf_counter()
    run = run_epubcheck(epubs, strategy=strategy)
    return time.perf_counter() - started, run


def bench(source: Path, folder: Path, count: int, strategy: str | None, repeat: int) -> dict:
    copies = []
    for index in range(count):
        copy = folder / f"copy-{index:02d}.epub"
        shutil.copyfile(source, copy)
        copies.append(copy)
    best: dict = {}
    for _ in range(repeat):
        for label, epubs in (("1", copies[:1]), ("N", copies)):
            wall, run = timed(epubs, strategy)
            bad = [r for r in run if r.errors]
            if bad:
                raise SystemExit(f"{bad[0].epub}: not valid: {bad[0].errors[0]}")
            if label not in best or wall < best[label][0]:
                best[label] = (wall, run)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("epub", nargs="?", type=Path, help="EPUB to copy (default: make one)")
    parser.add_argument("--count", type=int, default=10, help="EPUBs in the big run (default 10)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each size; the best counts")
    parser.add_argument("--strategy", default=None,
                        help="launcher, source, cli, all, or default: the automatic choice")
    args = parser.parse_args(argv)
    strategies = list(STRATEGIES) if args.strategy == "all" else [args.strategy]
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as temp:
        folder = Path(temp)
        source = args.epub or make_epub(folder / "bench.epub")
        # Warm the launcher cache (javac) and the OS file cache outside the timings.
        run_epubcheck([source], strategy=args.strategy if args.strategy != "all" else None)
        print(f"EPUB: {source if args.epub else 'made with ebooklib'} "
              f"({source.stat().st_size / 1024:.1f} KiB), N = {args.count}, best of {args.repeat}")
        print(f"{'strategy':<10} {'1 EPUB':>8} {'N EPUBs':>8} {'per EPUB':>9} {'JVM start':>9} "
              f"{'1st EPUB':>9} {'next':>7} {'N/1':>6}")
        for strategy in strategies:
            best = bench(source, folder, args.count, strategy, args.repeat)
            one, run_one = best["1"]
            many, run_many = best["N"]
            rest = [r.seconds for r in run_many[1:]]
            print(f"{run_many.strategy:<10} {one:7.2f}s {many:7.2f}s {many / args.count:8.3f}s "
                  f"{run_one.startup_seconds:8.2f}s {run_one[0].seconds:8.2f}s "
                  f"{(sum(rest) / len(rest) if rest else 0):6.3f}s {many / one:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""CPU time, not wall time, of a clean catalog build against pandoc: what a loaded machine
hardly changes (the wall-time bench, bench_catalog.py, needs a quiet one).

    python bench/bench_cpu.py --n 20                       # this checkout
    python bench/bench_cpu.py --n 20 --other /path/to/old  # and another checkout, same catalog

Each tool's CPU time is that of its processes and their children (user + system), median of
--runs rounds; the catalog is bench_catalog.py's.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_catalog import REPO, make_catalog  # noqa: E402


def cpu_seconds(command: list[str], env: dict | None = None) -> float:
    """Run *command*; return the CPU time it and its children used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def pandoc_seconds(pandoc: str, books: Path, out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    return sum(cpu_seconds([pandoc, "-f", "markdown", "-t", "epub3", "--resource-path", str(book),
                            "--metadata", f"title={book.name}", "--metadata", "lang=en",
                            "-o", str(out / f"{book.name}.epub"), *sorted(map(str, book.glob("*.md")))])
               for book in sorted(p for p in books.iterdir() if p.is_dir()))


def booklet_seconds(tree: Path, root: Path, out: Path, jobs: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return cpu_seconds([sys.executable, "-m", "booklet", "build", "--root", str(root), "--out", str(out),
                        "--no-validate", "--no-cache", "-j", str(jobs)], env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20, help="booklets in the catalog (default 20)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--other", type=Path, help="another checkout of booklet to time the same way")
    args = parser.parse_args()
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    trees = {"booklet": REPO, **({"other": args.other.resolve()} if args.other else {})}
    with tempfile.TemporaryDirectory(prefix="booklet-cpu-") as tmp:
        work = Path(tmp)
        make_catalog(work / "root", work / "pandoc", args.n, 8)
        times: dict[str, list[float]] = {"pandoc": [], **{name: [] for name in trees}}
        for _ in range(args.runs):
            times["pandoc"].append(pandoc_seconds(pandoc, work / "pandoc", work / "pandoc-out"))
            for name, tree in trees.items():
                times[name].append(booklet_seconds(tree, work / "root", work / f"out-{name}", args.jobs))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, seconds in median.items():
        ratio = "" if name == "pandoc" else f"  ({seconds / median['pandoc']:.2f}× pandoc)"
        print(f"{name}: {seconds:.2f} s CPU{ratio}")


if __name__ == "__main__":
    main()

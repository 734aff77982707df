"""Build every booklet of this repository: ``python build.py [booklet build options]``.

The shipped booklets are built strictly: an EPUBCheck warning fails the build. In a git
checkout, SOURCE_DATE_EPOCH defaults to the last commit's time, so every clone of the same
commit builds byte-identical EPUBs (file times differ from clone to clone; commits do not).
"""
import os
import subprocess
import sys
from pathlib import Path

from booklet.cli import main


def commit_time(folder: Path) -> str | None:
    """Return the last commit's Unix time in *folder*, or None outside git."""
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=folder, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip().isdigit() else None


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    if "SOURCE_DATE_EPOCH" not in os.environ and (epoch := commit_time(here)):
        os.environ["SOURCE_DATE_EPOCH"] = epoch
    args = sys.argv[1:]
    if "--root" not in args:
        args += ["--root", str(here)]
    if "--strict" not in args:
        args.append("--strict")
    sys.exit(main(["build", *args]))

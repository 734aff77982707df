"""Build every booklet of this repository: ``python build.py [booklet build options]``.

The shipped booklets are built strictly: an EPUBCheck warning fails the build.
"""
import sys
from pathlib import Path

from booklet.cli import main

if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    args = sys.argv[1:]
    if "--root" not in args:
        args += ["--root", str(here)]
    if "--strict" not in args:
        args.append("--strict")
    sys.exit(main(["build", *args]))

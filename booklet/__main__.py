"""Run the command line as ``python -m booklet``."""
import sys

from booklet.cli import main

sys.exit(main())

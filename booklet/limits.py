"""Every limit booklet puts on its input, in one place, so each is checked and named alike.

A limit turns input that would crash or stall a build (issue 15: a list nested 400 deep, a
TOML array 5,000 deep, a 2 GiB entry in an EPUB) into an error that names the file and the
limit, checked before the expensive work.
"""
from __future__ import annotations

# -- images -------------------------------------------------------------------------------
#: Pixels in any image: a source image, a figure's base, a figure as rendered, an image in an
#: EPUB. Reading systems scale larger ones down or refuse them; checked from the header.
MAX_PIXELS = 4_000_000
#: Bytes of one image in an EPUB (the lint's warning; a rendered figure is kept under it).
MAX_IMAGE_BYTES = 1_500_000
#: Width of a cover image, under which stores refuse it (the build's error, the lint's warning).
MIN_COVER_WIDTH = 1400

# -- sources ------------------------------------------------------------------------------
#: Bytes of one Markdown chapter: a short book, over a hundred times the longest shipped chapter.
MAX_CHAPTER_BYTES = 1_000_000
#: Nesting of Markdown lists and block quotes: Python-Markdown recurses once per level.
MAX_MARKDOWN_NESTING = 50
#: Nesting of arrays and tables in a TOML file: tomllib recurses once per level.
MAX_TOML_NESTING = 40
#: Markers (and hotspots) in one figure file.
MAX_MARKERS = 200
#: Depth of include, import and extends chains between templates.
MAX_TEMPLATE_DEPTH = 10
# Elements nested in a page: libxml2's own bound (256) holds, reported in words by render/xhtml.py.

# -- EPUB archives read by validate, the lint and the catalog -----------------------------
#: Entries in one EPUB.
MAX_EPUB_ENTRIES = 10_000
#: Uncompressed bytes of one entry.
MAX_ENTRY_BYTES = 256 * 1024 * 1024
#: Uncompressed bytes of all entries together.
MAX_EPUB_BYTES = 1024 * 1024 * 1024
#: Uncompressed size over compressed size of an entry bigger than RATIO_FLOOR bytes.
MAX_COMPRESSION_RATIO = 200
#: Entries smaller than this may be compressed at any ratio (a padded image or a page of spaces
#: deflates 1000 to 1); the size limits bound them.
RATIO_FLOOR = 16 * 1024 * 1024
#: Bytes of one XML document (container, OPF, page) parsed whole.
MAX_XML_BYTES = 32 * 1024 * 1024

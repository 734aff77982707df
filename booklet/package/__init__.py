"""Package rendered pages and resources into a reproducible EPUB 3 file."""

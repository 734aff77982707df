"""booklet: Markdown chapters and annotated figures into interactive EPUB 3 booklets."""

__version__ = "0.1.0"

"""Read a booklet root: find booklets, load config, chapters, glossary and assets."""

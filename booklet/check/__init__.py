"""Check built EPUBs: EPUBCheck in one JVM, booklet lint, DAISY Ace."""

"""Rebuild only what changed: content-hash cache and file stamps (data only, JSON)."""

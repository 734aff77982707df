"""Render a booklet: Markdown (with booklet's extensions in mdext/), templates, cover."""

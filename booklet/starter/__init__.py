"""The starter booklet ``booklet new`` copies: chapter and config templates, a figure file, drawings.

Files ending in ``.j2`` are Jinja2 templates filled with the new booklet's title, slug,
author and muscle name; the pictures come from :mod:`booklet.starter.drawings`.
"""

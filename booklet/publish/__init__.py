"""Publish built EPUBs: the download catalog, the web server, previews."""

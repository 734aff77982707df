"""``booklet studio``: a live, local authoring view of a booklet (see docs/studio.md).

``session`` keeps each booklet's last good build, its build error and its findings;
``watch`` rebuilds on save; ``findings`` runs EPUBCheck (warm) and the lint; ``app`` is
the web app on the kept stack of :mod:`booklet.publish.web`; ``static`` holds the page and
the vendored reading engine, foliate-js (MIT).
"""

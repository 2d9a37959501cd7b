"""``url_for`` for the templates, remembered: list pages build a link or two per row.

Werkzeug builds a URL in 10-20 µs; a page of 50 households with their flat and building links,
or a due list with ~110 links, spent 1-2 ms of its ~10 on them (issue 23.3). A relative URL
depends only on the endpoint, its values, the site's prefix (``script_root``) and, for a
``.endpoint``, the current blueprint; the app's one ``url_defaults`` (static fingerprints) is
fixed at start. External URLs, anchors and values that cannot be hashed are built each time.
Each app remembers its own URLs (tests build several apps in one process).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from flask import Flask, request, url_for

#: Keyword arguments that depend on more than the key (host, scheme) or are rare.
_UNCACHED = frozenset({"_external", "_scheme", "_anchor", "_method"})


def remembered_url_for(maxsize: int = 50_000) -> Callable[..., str]:
    """A ``url_for`` with its own memory of the relative URLs it built."""

    @lru_cache(maxsize=maxsize)
    def _built(endpoint: str, key: tuple, _script_root: str, _blueprint: str | None) -> str:
        return url_for(endpoint, **dict(key))

    def cached_url_for(endpoint: str, **values) -> str:
        if _UNCACHED.intersection(values):
            return url_for(endpoint, **values)
        key = tuple(values.items())  # in the order given: it orders the query string
        try:
            hash(key)
        except TypeError:  # a list of query values, say
            return url_for(endpoint, **values)
        blueprint = request.blueprint if endpoint.startswith(".") else None
        return _built(endpoint, key, request.script_root, blueprint)

    cached_url_for.cache_info = _built.cache_info
    return cached_url_for


def init_urls(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = remembered_url_for()

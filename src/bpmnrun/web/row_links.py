"""Links that every row of a list repeats (a task list's task, family, claim and release links).

Werkzeug builds a URL from its rule in tens of microseconds, and a page of 25 tasks needs a hundred of them:
`row_url` builds each endpoint's URL once per request, with placeholders, and quotes each row's values into it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from flask import g, url_for


def _mark(place: int) -> str:
    # Digits pass every converter (a case id's int too); nineteen of one digit are in no endpoint's own path.
    return str(place + 1) * 19


def row_url(endpoint: str, **values: Any) -> str:
    """url_for(endpoint, **values) for a link repeated on each row of a page (every value, the anchor too,
    varies by row). The values fill in the path and the anchor: a link with a query string is url_for's."""
    names = tuple(values)
    patterns = g.setdefault("row_urls", {})
    parts = patterns.get((endpoint, names))
    if parts is None:
        parts = patterns[(endpoint, names)] = _parts(endpoint, names)
    quoted = [_quoted(str(value), name == "_anchor") for name, value in values.items()]
    return "".join(part if isinstance(part, str) else quoted[part] for part in parts)


def _quoted(text: str, anchor: bool) -> str:
    return text if _PLAIN(text) else quote(text, safe=_ANCHOR_SAFE if anchor else _PATH_SAFE)


def _parts(endpoint: str, names: tuple[str, ...]) -> list[str | int]:
    """The endpoint's URL as text between the places (0, 1, ...) its values go."""
    if len(names) > 9:
        raise ValueError("row_url takes up to nine values")
    marks = [_mark(place) for place in range(len(names))]
    url = url_for(endpoint, **dict(zip(names, marks)))
    if any(mark in url.partition("#")[0].partition("?")[2] for mark in marks):
        raise ValueError(f"row_url fills in {endpoint}'s path and anchor, not its query string")
    return [marks.index(piece) if piece in marks else piece
            for piece in re.split(f"({'|'.join(marks)})", url) if piece] if marks else [url]


# As werkzeug quotes a path's value and Flask an anchor; a task's id or a case's number needs no quoting at all.
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch
_PATH_SAFE = "!$&'()*+,/:;=@"
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"

"""row_url builds the same links as url_for, for every row of a page, from one url_for per endpoint."""

from __future__ import annotations

import pytest
from flask import url_for

from bpmnrun.web.row_links import row_url

ROWS = [
    ("task_pages.show", {"task_id": "62e40ab6-8076-4a1d-8ca3-220b2d5e2534"}),
    ("task_pages.show", {"task_id": "a b/c?d#é%", "_anchor": "worker"}),
    ("cases.show", {"case_id": 7}),
    ("cases.show", {"case_id": 1111111111111111111}),  # a value that is a mark itself
    ("worklist.claim", {"task_id": "x"}),
    ("task_pages.show", {"task_id": "2222222222222222222", "_anchor": "1111111111111111111"}),  # each other's
    ("worklist.index", {}),
    ("task_pages.show", {"task_id": "A.z_0-9~", "_anchor": "plain.Text_-~"}),  # characters neither side quotes
]


@pytest.mark.parametrize("endpoint, values", ROWS)
def test_row_url_is_url_for(app, endpoint, values):
    with app.test_request_context("/"):
        row_url(endpoint, **{k: "first" if k != "case_id" else 1 for k in values})  # the pattern comes from a row before
        assert row_url(endpoint, **values) == url_for(endpoint, **values)


def test_a_link_with_more_values_than_marks_or_a_query_string_is_refused(app):
    with app.test_request_context("/"):
        with pytest.raises(ValueError, match="nine"):
            row_url("task_pages.show", **{f"v{n}": n for n in range(10)})
        with pytest.raises(ValueError, match="query string"):
            row_url("task_pages.show", task_id="x", view="all")

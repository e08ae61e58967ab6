"""The task list's pagination: first, last and the pages around the current one, gaps marked."""

import pytest

from bpmnrun.web.worklist import _page_numbers


@pytest.mark.parametrize("page, pages, expected", [
    (1, 1, [1]),
    (1, 3, [1, 2, 3]),
    (1, 80, [1, 2, None, 80]),
    (40, 80, [1, None, 39, 40, 41, None, 80]),
    (3, 80, [1, 2, 3, 4, None, 80]),
    (80, 80, [1, None, 79, 80]),
])
def test_page_numbers(page, pages, expected):
    assert _page_numbers(page, pages) == expected

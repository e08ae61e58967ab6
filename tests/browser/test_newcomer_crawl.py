"""Every kind of page a user can reach by following links, checked with axe-core (WCAG 2.1 AA) and, on a phone,
for sideways scrolling: signed in as a social worker, an early help manager, the process owner and the analyst
of the demo, breadth first from the task list, at 1280 px and at 375 px.

A page's kind is its path with numeric ids, task ids and process ids collapsed, and the names of its query's
parameters: the same page for another family, task or procedure is not visited twice. Only GET links are followed
(the crawl changes nothing), within the site, leaving out signing out, static files, downloads and the JSON API.
Every procedure's own page (each has its own diagram) is checked by a test of its own."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest

from bpmnrun.service import catalogue, demo
from tests.browser.accessibility import check_page
from tests.browser.demo_site import people, server, visit  # noqa: F401 (fixtures)

CRAWLERS = ("social-worker", "early-help-manager", demo.PROCESS_OWNER, demo.ANALYST)
NOT_PAGES = ("/static/", "/assets/", "/govuk/", "/api/")
NOT_FOLLOWED = {"/sign-out", "/sign-in"}
DOWNLOADS = (".svg", ".csv", ".xes", ".bpmn", ".json", ".xml", ".png")
MOST_PAGES = 150  # a crawl beyond this is following something it should not
UUID = re.compile(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=/|$)")
PROCESS = re.compile(r"^/processes/[^/]+")
# The analysts' comparison is the same page for everyone, and it is worked out afresh on every request (10–15 s
# on this machine): the first crawler at each width checks it, with time to wait for it.
SAME_FOR_EVERYONE = ("/compare",)
SLOW_MS = 60_000
checked_at: dict[int, set[str]] = {}  # width → kinds of SAME_FOR_EVERYONE page checked at that width


def kind(url: str) -> str:
    """`/cases/3/work/7/diagram?process=x` → `/cases/N/work/N/diagram?process`; `/processes/york_step_up/move` →
    `/processes/P/move`."""
    parts = urlsplit(url)
    path = PROCESS.sub("/processes/P", re.sub(r"/\d+(?=/|$)", "/N", UUID.sub("/TASK", parts.path)))
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(names) if names else "")


def followed(url: str, base: str) -> bool:
    path = urlsplit(url).path
    return (url.startswith(base + "/") and path not in NOT_FOLLOWED and not path.startswith(NOT_PAGES)
            and not path.endswith(DOWNLOADS))


@pytest.mark.parametrize("username", CRAWLERS)
def test_every_kind_of_page_a_user_reaches_passes_the_checks(server, people, username):
    rt, base = server
    page = people(username)
    already = checked_at.setdefault(people.width, set())
    queue, seen, visited = deque([f"{base}/"]), {kind(f"{base}/")}, []
    while queue:
        url = queue.popleft()
        shared = urlsplit(url).path.startswith(SAME_FOR_EVERYONE)
        if shared and kind(url) in already:
            continue
        response = page.goto(url, timeout=SLOW_MS if shared else None)
        # A link may lead to a page the user may not open (another team's task: 403, saying whose it is), but
        # never to a missing page or a failure.
        assert response.status < 500 and response.status != 404, (url, response.status, visited[-1:])
        check_page(page, f"{username}: {kind(url)}")
        visited.append(kind(url))
        if shared:
            already.add(kind(url))
        assert len(visited) <= MOST_PAGES, visited
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = urldefrag(href)[0]
            if followed(link, base) and kind(link) not in seen:
                seen.add(kind(link))
                queue.append(link)
    # Each of them reaches their tasks, the cases and the process library at least.
    assert {"/", "/cases", "/processes", "/processes/P"} <= set(visited), visited
    print(f"{username} at {people.width} px: {len(visited)} kinds of page checked")


def test_every_procedures_page_passes_the_checks(server, people):
    """As the process owner, who has the most to do on them."""
    rt, base = server
    page = people(demo.PROCESS_OWNER)
    for entry in catalogue.catalogue(rt):
        visit(page, f"{base}/processes/{entry.process_id}", entry.process_id)

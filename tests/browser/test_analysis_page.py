"""The analysts' runtime page in a real browser: the demo's analyst opens /analysis and sees the demo's real cases
beside a small simulation run of the same procedure, the page passing the accessibility check at each width.
A screenshot of the desktop page goes to /tmp/analysis.png, to look at."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from bpmnrun.analysis.runtime import SIMULATOR
from bpmnrun.analysis.simulate import simulate
from bpmnrun.clock import MovableClock
from bpmnrun.library.bundles import SpecCache
from bpmnrun.service import demo, deploy
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from tests.browser.demo_site import START, people, server, visit, words  # noqa: F401 (fixtures)
from tests.support import LIBRARY

PROCESS = "authc_step_down_sc_to_eh"


@pytest.fixture(scope="module")
def simulation_url():
    """A simulation database with 20 simulated cases of PROCESS, as `bpmnrun simulate` makes one."""
    folder = tempfile.mkdtemp(prefix="bpmnrun-simulation-")
    url = f"sqlite:///{Path(folder) / 'simulation.sqlite'}"
    rt = Runtime(Database(url), MovableClock(START), SpecCache())
    deploy.deploy(rt, [str(LIBRARY)], SIMULATOR)
    simulate(rt, PROCESS, 20, seed=4)
    rt.db.dispose()
    yield url
    shutil.rmtree(folder, ignore_errors=True)


def test_the_analyst_sees_real_and_simulated_cases_side_by_side(people, server, simulation_url, monkeypatch):
    monkeypatch.setenv("BPMNRUN_SIMULATION_URL", simulation_url)  # the demo's app takes it from the environment
    rt, base = server
    page = people(demo.ANALYST)
    visit(page, f"{base}/analysis?process={PROCESS}", "what the cases did")
    section = page.locator("section", has=page.get_by_role("heading", name="version 1"))
    header = words(section.locator("table").first.locator("thead"))
    assert header.startswith("Figure Real Simulated: "), header
    cases = section.locator("table").first.locator("tbody tr").first
    label, real, simulated = [words(cell) for cell in cases.locator("th, td").all()]
    assert label == "Cases" and int(real) > 0 and int(simulated) == 20
    assert (section.locator("svg title").first.text_content() or "").startswith("Cycle time of")
    if people.width > 1000:
        page.screenshot(path="/tmp/analysis.png", full_page=True)

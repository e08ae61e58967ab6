"""Fixtures: every persistence test runs on SQLite and, when BPMNRUN_TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from bpmnrun.clock import MovableClock
from bpmnrun.library.bundles import SpecCache
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from bpmnrun.store.models import Base

TESTS = Path(__file__).parent
DIAGRAMS = TESTS / "diagrams"
REPO = TESTS.parent
PG_URL = os.environ.get("BPMNRUN_TEST_DATABASE_URL")


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own (test_gw0, test_gw1 …), made on first use, since
    every test empties the database it runs on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    mine = base.set(database=f"{base.database}_{worker}")
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": mine.database}) is None:
            conn.execute(text(f'CREATE DATABASE "{mine.database}"'))
    engine.dispose()
    return mine.render_as_string(hide_password=False)


PG_URL = _worker_database(PG_URL) if PG_URL else None


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bpmnrun.sqlite'}"
    _reset_postgres(PG_URL)
    return PG_URL


NOT_ON_POSTGRES: list[str] = []


# The files that take longest, longest first: pytest-xdist hands out whole files in collection order, so these
# start first and the workers finish together instead of one of them running the longest file at the end.
SLOWEST_FILES = (
    "web/test_authorisation_matrix.py", "browser/test_newcomer_crawl.py", "browser/test_walk_every_procedure.py",
    "analysis/test_compare.py", "analysis/test_flatten.py", "analysis/test_simulate.py",
    "browser/test_process_editor.py", "service/test_demo.py", "analysis/test_compare_figures.py",
    "analysis/test_runtime.py", "analysis/test_eventlog.py", "analysis/test_conformance.py",
)


def _slowest_first(items) -> None:
    rank = {name: i for i, name in enumerate(SLOWEST_FILES)}

    def place(item) -> int:
        path = Path(str(item.fspath)).relative_to(TESTS).as_posix()
        return rank.get(path, len(rank))

    items.sort(key=place)  # stable: the rest keep their order


def pytest_collection_modifyitems(config, items):
    """Slowest files first (see SLOWEST_FILES). Without PostgreSQL, its variants are left out and said once at
    the end, not as a skip per test."""
    _slowest_first(items)
    if PG_URL:
        return
    kept = [item for item in items if not _on_postgres(item)]
    NOT_ON_POSTGRES[:] = [item.nodeid for item in items if _on_postgres(item)]
    if NOT_ON_POSTGRES:
        config.hook.pytest_deselected(items=[item for item in items if _on_postgres(item)])
        items[:] = kept
    if hasattr(config, "workeroutput"):  # an xdist worker: every worker collects the same tests
        config.workeroutput["not_on_postgres"] = len(NOT_ON_POSTGRES)


def _on_postgres(item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("database_url") == "postgresql"


LEFT_OUT = {"count": 0}
SCENARIOS = {"reached": set(), "collected": False}


def pytest_testnodedown(node, error):
    """xdist's controller learns from its workers how many PostgreSQL tests they left out and which end events
    their scenario tests reached."""
    output = getattr(node, "workeroutput", {})
    LEFT_OUT["count"] = max(LEFT_OUT["count"], output.get("not_on_postgres", 0))
    SCENARIOS["reached"].update(tuple(pair) for pair in output.get("end_events_reached", []))
    SCENARIOS["collected"] = SCENARIOS["collected"] or output.get("all_scenarios_collected", False)


def pytest_sessionfinish(session, exitstatus):
    """With xdist, every end event must be reached by some scenario on some worker (test_zz_end_event_coverage)."""
    if hasattr(session.config, "workeroutput") or not SCENARIOS["collected"]:
        return
    from tests.scenarios.test_zz_end_event_coverage import missing_end_events

    missing = missing_end_events(SCENARIOS["reached"])
    if missing:
        session.config.get_terminal_writer().line("\n" + missing, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    left_out = LEFT_OUT["count"] or len(NOT_ON_POSTGRES)
    if left_out:
        terminalreporter.write_line(
            f"PostgreSQL: {left_out} tests not run; set BPMNRUN_TEST_DATABASE_URL (a PostgreSQL URL, "
            "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run them", yellow=True)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2025, 6, 2, 9, 0))


# Parsed specs are keyed by content, so one cache serves every test's database.
SPECS = SpecCache()


@pytest.fixture
def rt(database_url, clock):
    runtime = Runtime(Database(database_url), clock, SPECS)
    yield runtime
    runtime.db.dispose()

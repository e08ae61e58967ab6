"""Fixtures: every persistence test runs on SQLite and, when BPMNRUN_TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bpmnrun.clock import MovableClock
from bpmnrun.library.bundles import SpecCache
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from bpmnrun.store.models import Base

TESTS = Path(__file__).parent
DIAGRAMS = TESTS / "diagrams"
REPO = TESTS.parent
PG_URL = os.environ.get("BPMNRUN_TEST_DATABASE_URL")


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


def pytest_collection_modifyitems(config, items):
    """Without PostgreSQL, its variants are left out and said once at the end, not as a skip per test."""
    if PG_URL:
        return
    kept = [item for item in items if not _on_postgres(item)]
    NOT_ON_POSTGRES.extend(item.nodeid for item in items if _on_postgres(item))
    if NOT_ON_POSTGRES:
        config.hook.pytest_deselected(items=[item for item in items if _on_postgres(item)])
        items[:] = kept


def _on_postgres(item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("database_url") == "postgresql"


def pytest_terminal_summary(terminalreporter):
    if NOT_ON_POSTGRES:
        terminalreporter.write_line(
            f"PostgreSQL: {len(NOT_ON_POSTGRES)} tests not run; set BPMNRUN_TEST_DATABASE_URL (a PostgreSQL URL, "
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

"""Connecting to the database and the unit of work.

SQLite (a file, the default) and PostgreSQL are reached through one SQLAlchemy URL. Migrations are
applied automatically on first use. On SQLite a write transaction starts with BEGIN IMMEDIATE, so
two writers queue for the lock instead of failing mid-way; PostgreSQL uses row locks and the
instance revision check.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from .. import json_text

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_PATH = Path.home() / ".local" / "share" / "bpmnrun" / "bpmnrun.sqlite"


def default_url() -> str:
    if os.environ.get("BPMNRUN_DATABASE_URL"):
        return os.environ["BPMNRUN_DATABASE_URL"]
    path = Path(os.environ.get("BPMNRUN_DATA_DIR", DEFAULT_PATH.parent)) / "bpmnrun.sqlite"
    return f"sqlite:///{path}"


def simulation_url() -> str:
    """Where `bpmnrun simulate` writes and the analysis page reads simulated cases: BPMNRUN_SIMULATION_URL, else
    a SQLite file beside the live database's default place, never the live database itself."""
    if os.environ.get("BPMNRUN_SIMULATION_URL"):
        return os.environ["BPMNRUN_SIMULATION_URL"]
    folder = Path(os.environ.get("BPMNRUN_DATA_DIR", DEFAULT_PATH.parent))
    return f"sqlite:///{folder / 'simulation.sqlite'}"


class Database:
    def __init__(self, url: str | None = None, migrate: bool = True) -> None:
        self.url = url or default_url()
        self.engine = _create_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    def migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: everything inside commits together, or nothing does."""
        session = self._sessions()
        try:
            if self.is_sqlite:
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def one_read(self) -> Iterator[Connection]:
        """A connection for a read of one statement (the signed-in user, a piece of work and its tasks): no
        transaction is opened around it, which spares PostgreSQL's BEGIN and ROLLBACK round trips. (SQLite's
        reads here run outside a transaction already: see _sqlite_pragmas.)"""
        with self.engine.connect() as connection:
            if not self.is_sqlite:
                connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **_JSON)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let BEGIN IMMEDIATE be ours: pysqlite otherwise opens transactions itself.
        event.listen(engine, "begin", lambda conn: None)
        return engine
    return create_engine(url, pool_pre_ping=True, **_JSON)


_JSON = {"json_serializer": json_text.dumps, "json_deserializer": json_text.loads}  # every JSON column


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()

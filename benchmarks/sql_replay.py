"""The store's own cost of a completion, for bench_completion: the statements bpmnrun sent to SQLite, sent again
with their parameters through the sqlite3 module alone (no SQLAlchemy, no engine, no Python of ours) to a twin of
the database, in one transaction, committed. What is left of bpmnrun's time once this and the engine's step are
taken away is the service layer's own work.

The twin is a copy taken before the measured completions; every completion after it is replayed on it in the same
order, so each statement meets the rows it met the first time (the task guarded by its revision, the new rows'
keys free)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import Engine, event


class SqlReplay:
    def __init__(self, engine: Engine, path: Path, twin: Path):
        with sqlite3.connect(path) as source, sqlite3.connect(twin) as copy:
            source.backup(copy)
        self.twin = sqlite3.connect(twin, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):  # as bpmnrun's connections
            self.twin.execute(f"PRAGMA {pragma}")
        self.sent: list[tuple[str, object, bool]] = []
        event.listen(engine, "before_cursor_execute", self._keep)

    def _keep(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:
        self.sent.append((statement, parameters, executemany))

    def replay(self) -> float:
        """Send the statements kept since the last replay to the twin and commit; returns the seconds taken."""
        sent, self.sent = self.sent, []
        began = time.perf_counter()
        cursor = self.twin.cursor()
        for statement, parameters, many in sent:
            (cursor.executemany if many else cursor.execute)(statement, parameters)
        self.twin.commit()
        return time.perf_counter() - began

    def close(self) -> None:
        self.twin.close()

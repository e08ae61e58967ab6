"""What every use case needs: the database, the clock and the cache of parsed specs."""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from ..clock import Clock, SystemClock, using_clock
from ..library.bundles import SpecCache
from ..store.database import Database
from .persist import write_audit


_LENT_KEPT = 256  # sizes of taken workflows remembered, for as many use cases at once in one process


class WorkflowCache:
    """Workflow objects of recently worked instances, keyed by (instance id, revision), least recently used out.

    Bounded by the size of their serialized state (a workflow object takes a few times that in memory), so a few
    large cases cannot push out many small ones nor grow a worker without bound. A cached object is taken out
    while a use case works on it and put back only after its transaction commits, under the new revision: a
    rolled-back change is never reused, and a change made by another process shows as a different revision, so
    the cache is never stale. A use case that ran nothing on it (a form refused) gives it back as it was.
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._items: OrderedDict[tuple[int, int], tuple[object, int]] = OrderedDict()
        self._lent: OrderedDict[tuple[int, int], int] = OrderedDict()  # the sizes of workflows taken out
        self._lock = threading.Lock()

    def take(self, instance_id: int, revision: int):
        with self._lock:
            found = self._items.pop((instance_id, revision), None)
            if found is None:
                return None
            self._bytes -= found[1]
            self._lent[(instance_id, revision)] = found[1]
            if len(self._lent) > _LENT_KEPT:
                self._lent.popitem(last=False)
            return found[0]

    def give_back(self, instance_id: int, revision: int, workflow) -> None:
        """A use case that ran nothing on a workflow it took (a form refused) returns it, at the same revision:
        the corrected answers find it here. A workflow not taken from the cache is not kept (its size is
        unknown)."""
        with self._lock:
            size = self._lent.pop((instance_id, revision), None)
        if size is not None:
            self.keep(instance_id, revision, workflow, size)

    def keep(self, instance_id: int, revision: int, workflow, size: int) -> None:
        with self._lock:
            previous = self._items.pop((instance_id, revision), None)
            self._bytes += size - (previous[1] if previous else 0)
            self._items[(instance_id, revision)] = (workflow, size)
            while self._bytes > self._max_bytes and self._items:
                self._bytes -= self._items.popitem(last=False)[1][1]

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Runtime:
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    specs: SpecCache = field(default_factory=SpecCache)
    workflows: WorkflowCache = field(default_factory=WorkflowCache)
    version_keys: dict[int, tuple[str, str]] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock.now()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One use case: the engine sees this runtime's clock, and the database one transaction."""
        with using_clock(self.clock), self.db.transaction() as session:
            yield session
            write_audit(session)

    @contextmanager
    def one_read(self) -> Iterator[Connection]:
        """A read of one statement, outside any transaction (Database.one_read)."""
        with using_clock(self.clock), self.db.one_read() as connection:
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with using_clock(self.clock), self.db.reading() as session:
            yield session

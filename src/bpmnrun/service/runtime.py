"""What every use case needs: the database, the clock and the cache of parsed specs."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator

from sqlalchemy.orm import Session

from ..clock import Clock, SystemClock, using_clock
from ..library.bundles import SpecCache
from ..store.database import Database


@dataclass
class Runtime:
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    specs: SpecCache = field(default_factory=SpecCache)

    def now(self) -> datetime:
        return self.clock.now()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One use case: the engine sees this runtime's clock, and the database one transaction."""
        with using_clock(self.clock), self.db.transaction() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with using_clock(self.clock), self.db.reading() as session:
            yield session

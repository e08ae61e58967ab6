"""Sign-in throttling, kept in the database so that every web worker applies the same counts.

The rule (the README's "Signing in" says the same):

- A failed sign-in is counted against the **account** (the user name as typed, without regard to capitals,
  whether or not such a user exists) and against the **client address**, each for 15 minutes (a sliding window).
- The 5th failure counted against an account, or the 20th against an address, locks that account or that
  address for 1 minute. After a lock-out, every further failure locks it again for twice as long as the last
  time (2, 4, 8 … minutes, at most 1 hour), until it has gone 24 hours without a failure.
- While an account or an address is locked, a sign-in for that account or from that address is refused before
  its password is looked at, and the refusal is not counted.
- A correct password clears its account's failures, not its address's (else an attacker holding one good
  password could reset the count of an address that is guessing at other accounts).

So failures on one account lock only that account, and failures from one address lock only that address: a
user signing in from another address is never held up by failures on other accounts. An attacker guessing at one
account gets 5 tries, then about one an hour; one address guessing at many accounts gets 20, then about one an
hour. Behind a proxy every client has the proxy's address unless the proxy is trusted (BPMNRUN_TRUSTED_PROXIES),
and then one guessing client would lock out every user: set it.

Attempts already under way when a lock starts still finish (at most one per web worker thread).
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..store.models import SignInThrottle
from .runtime import Runtime


@dataclass(frozen=True)
class ThrottlePolicy:
    window: timedelta = timedelta(minutes=15)
    account_failures: int = 5
    address_failures: int = 20
    first_lock: timedelta = timedelta(minutes=1)
    longest_lock: timedelta = timedelta(hours=1)
    forgiven_after: timedelta = timedelta(hours=24)


DEFAULT_POLICY = ThrottlePolicy()


def account_key(username: str) -> str:
    """A hash of the name as typed: people type their password into the name field, and it is not stored."""
    folded = " ".join(username.split()).casefold()
    return "account:" + hashlib.sha256(folded.encode()).hexdigest()


def address_key(address: str | None) -> str:
    try:
        return "address:" + str(ipaddress.ip_address((address or "").strip()))
    except ValueError:  # not an address (a unix socket, a test client): still a key of its own, of bounded length
        return "address:" + hashlib.sha256((address or "").encode()).hexdigest()[:64]


def locked_until(rt: Runtime, keys: list[str]) -> datetime | None:
    """When the latest lock on any of the keys ends, if one is in force now."""
    now = rt.now()
    with rt.reading() as session:
        ends = session.scalars(select(SignInThrottle.locked_until).where(
            SignInThrottle.key.in_(keys), SignInThrottle.locked_until > now)).all()
    return max(ends) if ends else None


def record_failure(rt: Runtime, username: str, address: str | None,
                   policy: ThrottlePolicy = DEFAULT_POLICY) -> datetime | None:
    """Count a failed sign-in against the account and the address; when a lock starts, say until when."""
    now = rt.now()
    limits = {account_key(username): policy.account_failures, address_key(address): policy.address_failures}
    with rt.transaction() as session:
        # Forgiving: a key quiet for a day starts again from nothing (and the table stays small).
        session.execute(delete(SignInThrottle).where(SignInThrottle.last_failure_at < now - policy.forgiven_after))
        # Always in the same order, so that two workers locking the same two rows cannot deadlock.
        ends = [_count(_row(session, key, now), now, limit, policy) for key, limit in sorted(limits.items())]
    locks = [end for end in ends if end is not None]
    return max(locks) if locks else None


def clear_account(rt: Runtime, username: str) -> None:
    with rt.transaction() as session:
        session.execute(delete(SignInThrottle).where(SignInThrottle.key == account_key(username)))


def _row(session: Session, key: str, now: datetime) -> SignInThrottle:
    """The key's row, created if need be (by whichever worker gets there first), locked until commit."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(SignInThrottle).values(key=key, failures=[], lockouts=0, last_failure_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    # SQLite has no row locks: its write transactions queue for the whole file (BEGIN IMMEDIATE) instead.
    return session.scalars(select(SignInThrottle).where(SignInThrottle.key == key).with_for_update()
                           .execution_options(populate_existing=True)).one()


def _count(row: SignInThrottle, now: datetime, limit: int, policy: ThrottlePolicy) -> datetime | None:
    recent = [at for at in row.failures if datetime.fromisoformat(at) > now - policy.window]
    recent.append(now.isoformat())
    row.failures = recent[-limit:]  # a new list: SQLAlchemy sees a change only when the value is replaced
    row.last_failure_at = now
    if len(recent) < limit and not row.lockouts:
        return None
    lock = min(policy.first_lock * (2 ** min(row.lockouts, 30)), policy.longest_lock)
    row.lockouts += 1
    row.locked_until = max(filter(None, (row.locked_until, now + lock)))
    return row.locked_until

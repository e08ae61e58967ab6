"""Signing in with a local password: throttled per account and per client address (service/throttle.py), and
as slow for a user name that is no account as for one that is, so that the answer's time does not tell which
names are accounts (benchmarks/bench_sign_in.py measures both)."""

from __future__ import annotations

import math
import secrets
from datetime import datetime

from werkzeug.security import check_password_hash, generate_password_hash

from . import throttle, users
from .errors import ServiceError
from .runtime import Runtime
from .throttle import DEFAULT_POLICY, ThrottlePolicy

# Checked instead of a real hash when the name is no account (or an account without a password: one that signs
# in through the identity provider), so that both take one hash check. Made with the same default method as the
# users' hashes, once, when the module loads: the first refusal of a process would otherwise take longer.
_NO_ACCOUNT_HASH = generate_password_hash(secrets.token_urlsafe(24))


class TooManyAttempts(ServiceError):
    status = 429

    def __init__(self, until: datetime, now: datetime) -> None:
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        super().__init__(f"You have tried to sign in too many times. Try again in {minutes} "
                         f"minute{'s' if minutes != 1 else ''}.")
        self.until = until


def sign_in_with_password(rt: Runtime, username: str, password: str, address: str | None,
                          policy: ThrottlePolicy = DEFAULT_POLICY) -> users.UserView | None:
    """The user whose name and password these are, or None; TooManyAttempts while the account or the address is
    locked (the password is then not looked at) and for the failure that locks it."""
    username = username.strip()
    until = throttle.locked_until(rt, [throttle.account_key(username), throttle.address_key(address)])
    if until is not None:
        raise TooManyAttempts(until, rt.now())
    found = _password_matches(rt, username, password)
    if found is None:
        until = throttle.record_failure(rt, username, address, policy)
        if until is not None:
            raise TooManyAttempts(until, rt.now())
        return None
    throttle.clear_account(rt, username)
    return found


def _password_matches(rt: Runtime, username: str, password: str) -> users.UserView | None:
    with rt.reading() as session:
        user = users.find_user(session, username) if username else None
        stored = user.password_hash if user is not None else None
        found = users.view(user) if user is not None else None
    # One hash check whichever way it goes, outside the database session (it takes a tenth of a second).
    if not stored:
        check_password_hash(_NO_ACCOUNT_HASH, password)
        return None
    return found if check_password_hash(stored, password) else None

"""Signing in with a password, throttled per account and per client address in the database (service/throttle.py
says the rule): the clock is moved, never waited for."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from bpmnrun.service import sign_in, users
from bpmnrun.service.runtime import Runtime
from bpmnrun.service.sign_in import TooManyAttempts, sign_in_with_password
from bpmnrun.service.throttle import account_key, address_key
from bpmnrun.store.database import Database
from bpmnrun.store.models import SignInThrottle

ATTACKER = "203.0.113.9"
OFFICE = "198.51.100.7"
# A hash that takes no time: these tests count attempts, not hash work (benchmarks/bench_sign_in.py times that).
QUICK = generate_password_hash("secret", method="pbkdf2:sha256:1")


@pytest.fixture
def people(rt, monkeypatch):
    monkeypatch.setattr(sign_in, "_NO_ACCOUNT_HASH", generate_password_hash("x", method="pbkdf2:sha256:1"))
    for name in ("sam", "sara"):
        users.add_user(rt, name, ["Social Worker"])
    with rt.transaction() as session:
        for name in ("sam", "sara"):
            users.find_user(session, name).password_hash = QUICK
    return rt


def attempt(rt, username, password="wrong", address=ATTACKER):
    """None (refused), the user's name (signed in), or the refusal's message when throttled."""
    try:
        found = sign_in_with_password(rt, username, password, address)
    except TooManyAttempts as exc:
        return str(exc)
    return found.username if found else None


def test_the_fifth_failure_locks_the_account_for_a_minute_even_for_the_right_password(people, clock):
    assert [attempt(people, "sam") for _ in range(4)] == [None] * 4
    assert attempt(people, "sam") == "You have tried to sign in too many times. Try again in 1 minute."
    assert attempt(people, "sam", "secret", OFFICE).startswith("You have tried")  # the password is not looked at
    clock.advance(seconds=61)
    assert attempt(people, "sam", "secret", OFFICE) == "sam"


def test_failures_on_one_account_do_not_hold_up_another_user(people):
    for _ in range(5):
        attempt(people, "sam")
    assert attempt(people, "sara", "secret", OFFICE) == "sara"
    assert attempt(people, "sara", "secret", ATTACKER) == "sara"  # the address has 5 failures of its 20


def test_each_lock_out_after_the_first_is_twice_as_long_up_to_an_hour(people, clock):
    for _ in range(5):
        attempt(people, "sam")
    waits = []
    for _ in range(8):
        clock.advance(minutes=61)  # past any lock: the failure after it locks again, for longer
        message = attempt(people, "sam")
        waits.append(int(message.split("Try again in ")[1].split()[0]))
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]


def test_a_day_without_failures_forgives_an_account(people, clock):
    for _ in range(6):
        attempt(people, "sam")
    clock.advance(hours=24, seconds=1)
    assert [attempt(people, "sam") for _ in range(4)] == [None] * 4  # 4 failures again before a lock


def test_failures_older_than_the_window_no_longer_count(people, clock):
    for _ in range(4):
        attempt(people, "sam")
    clock.advance(minutes=15, seconds=1)
    assert [attempt(people, "sam") for _ in range(4)] == [None] * 4
    assert attempt(people, "sam").startswith("You have tried")


def test_a_correct_password_clears_its_accounts_failures_but_not_its_addresss(people, clock):
    for name in ["sam"] * 4 + [f"guess{n}" for n in range(14)]:
        attempt(people, name)
    assert attempt(people, "sam", "secret") == "sam"
    assert attempt(people, "sam") is None  # the account's 4 failures are gone: this is its first
    # The address's failures stay: this is its 20th, which locks it, whoever signs in from it next.
    assert attempt(people, "sara").startswith("You have tried")
    assert attempt(people, "sara", "secret").startswith("You have tried")
    assert attempt(people, "sara", "secret", OFFICE) == "sara"


def test_one_address_guessing_at_many_accounts_is_locked_out_alone(people, clock):
    results = [attempt(people, f"guess{n}") for n in range(20)]
    assert results[:19] == [None] * 19 and results[19].startswith("You have tried")
    assert attempt(people, "sam", "secret").startswith("You have tried")
    assert attempt(people, "sam", "secret", OFFICE) == "sam"


def test_names_that_are_no_account_are_counted_and_locked_alike(people):
    unknown = [attempt(people, "samm", address=f"192.0.2.{n}") for n in range(5)]
    known = [attempt(people, "sam", address=f"192.0.2.{n}") for n in range(5)]
    assert unknown == known == [None] * 4 + ["You have tried to sign in too many times. Try again in 1 minute."]


def test_an_account_is_the_name_without_regard_to_capitals_or_spacing(people):
    for name in ("sam", "Sam", " SAM ", "sAm"):
        attempt(people, name)
    assert attempt(people, "sam ").startswith("You have tried")
    assert account_key("sam") == account_key("  SAM") != account_key("sara")


def test_every_worker_sees_the_same_counts(people, database_url, clock):
    other_worker = Runtime(Database(database_url), clock, people.specs)
    try:
        for n in range(5):
            attempt(people if n % 2 else other_worker, "sam")
        assert attempt(other_worker, "sam", "secret").startswith("You have tried")
        assert attempt(people, "sam", "secret").startswith("You have tried")
    finally:
        other_worker.db.dispose()


def test_a_name_or_address_typed_is_never_stored(people):
    attempt(people, "sam", address="not an address")
    attempt(people, "my password 123")
    with people.reading() as session:
        keys = set(session.scalars(select(SignInThrottle.key)))
    assert keys == {account_key("sam"), account_key("my password 123"), address_key(ATTACKER),
                    address_key("not an address")}
    assert not any("sam" in key or "password" in key for key in keys)
    assert address_key(ATTACKER) == f"address:{ATTACKER}" and len(address_key("x" * 5000)) <= 100


def test_keys_quiet_for_a_day_are_removed(people, clock):
    for n in range(10):
        attempt(people, f"guess{n}", address=f"192.0.2.{n}")
    clock.advance(hours=25)
    attempt(people, "sam")
    with people.reading() as session:
        assert session.scalar(select(func.count()).select_from(SignInThrottle)) == 2


def test_unknown_names_take_one_hash_check_as_known_ones_do(people, monkeypatch):
    checked = []
    real = sign_in.check_password_hash
    monkeypatch.setattr(sign_in, "check_password_hash", lambda stored, pw: checked.append(stored) or real(stored, pw))
    for name in ("sam", "nobody", ""):
        attempt(people, name, address=OFFICE)
    assert checked == [QUICK, sign_in._NO_ACCOUNT_HASH, sign_in._NO_ACCOUNT_HASH]

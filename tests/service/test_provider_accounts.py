"""Accounts of people who sign in through the council's identity provider: made at the first sign-in, brought up
to date at every one, linked by the provider's subject, never taking over someone else's account."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bpmnrun.service import users
from bpmnrun.service.errors import Forbidden, ServiceError
from bpmnrun.service.provider_accounts import NoTeams, ProviderIdentity, sign_in_from_provider
from bpmnrun.store.models import Event, IdentityLink

ISSUER = "https://login.example-council.gov.uk"


def alex(**changes) -> ProviderIdentity:
    fields = dict(issuer=ISSUER, subject="0f3c-alex", username="alex", display_name="Alex Smith",
                  teams=("Social Worker",), roles=())
    return ProviderIdentity(**{**fields, **changes})


def events(rt, action):
    with rt.reading() as session:
        return [e.detail for e in session.scalars(select(Event).where(Event.action == action).order_by(Event.id))]


def test_the_first_sign_in_makes_the_account_with_its_teams_and_links_it(rt):
    signed_in = sign_in_from_provider(rt, alex(roles=("analyst",)))
    assert (signed_in.username, signed_in.display_name, signed_in.teams, signed_in.roles) == \
        ("alex", "Alex Smith", ("Social Worker",), ("analyst",))
    assert users.get_user(rt, "alex") == signed_in
    with rt.reading() as session:
        link = session.get(IdentityLink, (ISSUER, "0f3c-alex"))
        assert link.username == "alex" and users.find_user(session, "alex").password_hash is None
    assert len(events(rt, "user_added")) == 1 and len(events(rt, "identity_linked")) == 1


def test_each_sign_in_brings_the_teams_up_to_date_and_records_the_change(rt, clock):
    sign_in_from_provider(rt, alex())
    clock.advance(days=1)
    again = sign_in_from_provider(rt, alex(teams=("Early Help Manager", "EH Awaiting Allocation")))
    assert again.teams == ("Early Help Manager", "EH Awaiting Allocation")
    assert events(rt, "user_updated") == [{"teams": {"was": ["Social Worker"],
                                                     "now": ["Early Help Manager", "EH Awaiting Allocation"]}}]
    sign_in_from_provider(rt, alex(teams=("Early Help Manager", "EH Awaiting Allocation")))
    assert len(events(rt, "user_updated")) == 1  # nothing changed, nothing recorded
    with rt.reading() as session:
        assert session.get(IdentityLink, (ISSUER, "0f3c-alex")).last_sign_in_at == clock.now()


def test_the_subject_keeps_its_account_when_the_provider_sends_another_user_name(rt):
    sign_in_from_provider(rt, alex())
    assert sign_in_from_provider(rt, alex(username="alex.smith@council.gov.uk")).username == "alex"


def test_another_person_given_a_linked_user_name_does_not_get_its_account(rt):
    sign_in_from_provider(rt, alex())
    with pytest.raises(Forbidden, match="already a bpmnrun account named 'alex'"):
        sign_in_from_provider(rt, alex(subject="99aa-new-alex"))
    with rt.reading() as session:
        assert session.get(IdentityLink, (ISSUER, "99aa-new-alex")) is None


def test_an_account_with_a_password_is_not_taken_over_but_one_made_for_the_person_is(rt):
    users.add_user(rt, "alex", ["Social Worker"], password="local")
    with pytest.raises(Forbidden, match="already a bpmnrun account named 'alex'"):
        sign_in_from_provider(rt, alex())
    users.add_user(rt, "blair", ["Front Door"])  # made without a password, for the provider's blair
    taken = sign_in_from_provider(rt, alex(subject="b1", username="blair", display_name="Blair Jones"))
    assert (taken.username, taken.display_name, taken.teams) == ("blair", "Blair Jones", ("Social Worker",))


def test_a_team_spelt_unlike_the_other_users_is_refused_and_nothing_is_made(rt):
    users.add_user(rt, "sam", ["Social Worker"])
    with pytest.raises(ServiceError, match="group mapping needs correcting.*'Social Worker'"):
        sign_in_from_provider(rt, alex(teams=("social worker",)))
    with rt.reading() as session:
        assert users.find_user(session, "alex") is None


def test_groups_that_give_nothing_refuse_the_sign_in_and_take_the_old_teams_away(rt):
    sign_in_from_provider(rt, alex())
    with pytest.raises(NoTeams, match="None of your groups"):
        sign_in_from_provider(rt, alex(teams=()))
    assert users.get_user(rt, "alex").teams == ()
    with pytest.raises(NoTeams):
        sign_in_from_provider(rt, alex(subject="c1", username="casey", teams=()))
    with rt.reading() as session:
        assert users.find_user(session, "casey") is None  # no account for someone who may not use bpmnrun


def test_an_identity_without_a_subject_or_name_is_refused(rt):
    for identity in (alex(subject=""), alex(username="  ")):
        with pytest.raises(ServiceError, match="cannot tell who you are"):
            sign_in_from_provider(rt, identity)

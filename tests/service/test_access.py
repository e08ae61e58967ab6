"""Access by relationship and audited reads, through the service layer on SQLite and PostgreSQL.

Sam (Social Worker) adds the Smiths and starts work on them; Otto is in Sam's team; Tina (Team Manager) is given
a task later; Lisa is Sam's line manager; Fred (Front Door) has no work with the Smiths and reports to Mona; Dora
is the data protection officer; Pat a process owner. The Khans were added by someone else and have no work.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bpmnrun.service import access, access_log, case_views, cases, family_search, instances, queries, records, users
from bpmnrun.service.access import NoAccess
from bpmnrun.service.errors import Forbidden, NotFound
from tests.support import DIAGRAMS, SMITH_CHILDREN, deploy_paths, finish, only_task

GATEWAY = "test_gateway"
JOSIE_BORN = date(2015, 6, 14)


@pytest.fixture
def smiths(rt):
    deploy_paths(rt, DIAGRAMS / "test_gateway.bpmn")
    for name, teams, extra in [("lisa", [], {}), ("mona", [], {}), ("sam", ["Social Worker"], {"line_manager": "lisa"}),
                               ("otto", ["Social Worker"], {}), ("tina", ["Team Manager"], {}),
                               ("fred", ["Front Door"], {"line_manager": "mona"}),
                               ("dora", [], {"roles": [access_log.DATA_PROTECTION_OFFICER]}),
                               ("pat", [], {"roles": ["process owner"]})]:
        users.add_user(rt, name, teams, **extra)
    case = cases.create_case(rt, "Smith", SMITH_CHILDREN, "sam")
    instance_id = instances.start_work(rt, GATEWAY, case.id, "sam")
    return case, instance_id


def sees(rt, user: str, case_id: int) -> bool:
    try:
        case_views.case_detail(rt, case_id, user)
    except NoAccess:
        return False
    return True


def read_log(rt, case_id: int) -> list[tuple[str, str, str, str]]:
    return [(e.username, e.action, e.what, e.how) for e in access_log.entries(rt, case_id)]


def test_a_family_is_seen_by_who_works_with_it_their_team_and_their_line_manager(rt, smiths):
    case, instance_id = smiths
    assert {u: sees(rt, u, case.id) for u in ("sam", "otto", "lisa", "tina", "fred", "mona", "dora", "pat")} == {
        "sam": True, "otto": True, "lisa": True, "tina": False, "fred": False, "mona": False, "dora": False,
        "pat": False}
    assert [f.family_name for f in case_views.find_cases(rt, "otto")] == ["Smith"]
    assert case_views.find_cases(rt, "fred") == [] and case_views.find_cases(rt, "fred", "Smith") == []
    finish(rt, instance_id, "Record request", "sam", decision="approve")  # the next task is the Team Manager's
    assert sees(rt, "tina", case.id)
    finish(rt, instance_id, "Authorise request", "tina", completed=True)
    assert queries.get_instance(rt, instance_id).status == "completed"
    assert sees(rt, "tina", case.id) and sees(rt, "otto", case.id)  # teams that had work keep seeing it
    reads = {(who, how) for who, action, _, how in read_log(rt, case.id) if action == "viewed"}
    assert {("sam", access.THEIR_WORK), ("otto", access.THEIR_TEAM), ("lisa", access.MANAGER),
            ("tina", access.THEIR_TEAM)} <= reads
    assert not {who for who, _ in reads} & {"fred", "mona", "dora", "pat"}  # a refused read shows nothing


def test_an_uninvolved_worker_cannot_make_themselves_involved_by_starting_work(rt, smiths):
    case, _ = smiths
    khans = cases.create_case(rt, "Khan", [cases.Child("Aisha Khan", date(2012, 2, 11))], "admin")
    for user, family in [("sam", khans.id), ("fred", case.id), ("pat", case.id)]:
        with pytest.raises(NoAccess):
            instances.start_work(rt, GATEWAY, family, user)
    assert not sees(rt, "sam", khans.id) and not sees(rt, "fred", case.id)
    assert queries.case_tasks(rt, khans.id) == []
    with pytest.raises(Forbidden, match="decision is started by the Social Worker team: you are not in that team"):
        instances.start_work(rt, GATEWAY, case.id, "lisa")  # sees the family, but is in no team that starts it
    assert len(case_views.case_detail(rt, case.id, "sam").instances) == 1


def test_a_process_owner_may_start_work_on_a_test_family_only(rt, smiths):
    trial = cases.create_case(rt, "Test family", [cases.Child("Tess Test", date(2019, 1, 1))], "pat", is_test=True)
    assert trial.is_test and not cases.get_case(rt, smiths[0].id).is_test
    started = instances.start_work(rt, GATEWAY, trial.id, "pat")
    assert queries.get_instance(rt, started).status == "running"
    users.add_user(rt, "paula", [], roles=["process owner"])  # another process owner sees the test family too
    assert case_views.case_detail(rt, trial.id, "paula").access.why == access.TEST_FAMILY
    assert [c.family_name for c in case_views.find_cases(rt, "paula")] == ["Test family"]
    assert not sees(rt, "fred", trial.id)  # (its first task is the Social Worker team's: they see it)
    real = cases.create_case(rt, "Jones", [cases.Child("Ann Jones", date(2019, 6, 3))], "pat")
    with pytest.raises(Forbidden, match="started by the Social Worker team"):
        instances.start_work(rt, GATEWAY, real.id, "pat")


def test_work_is_started_for_each_reason_to_see_the_family_read_in_one_statement_and_refused_otherwise(rt, smiths):
    case, _ = smiths
    khans = cases.create_case(rt, "Khan", [cases.Child("Aisha Khan", date(2012, 2, 11))], "admin")
    users.add_user(rt, "sue", ["Social Worker"], line_manager="lisa")
    started_by_team = instances.start_work(rt, GATEWAY, case.id, "otto")  # his team's work, not his own
    assert queries.get_instance(rt, started_by_team).status == "running"
    with pytest.raises(NoAccess):
        instances.start_work(rt, GATEWAY, khans.id, "sue")  # a Social Worker, but no work with the Khans
    records.break_glass(rt, "sue", khans.id, "Aisha's school rang about a bruise")
    on_the_khans = instances.start_work(rt, GATEWAY, khans.id, "sue")  # break glass, and in the starting team
    assert [t.name for t in queries.case_tasks(rt, khans.id)] == ["Record request"]
    assert queries.get_instance(rt, on_the_khans).status == "running"
    for actor, family, process, missing in [("nobody", case.id, GATEWAY, "no user 'nobody'"),
                                            ("sam", 999_999, GATEWAY, "no case 999999"),
                                            ("nobody", 999_999, GATEWAY, "no user 'nobody'"),
                                            ("sam", case.id, "no_such_process", "no process 'no_such_process'")]:
        with pytest.raises(NotFound, match=missing):
            instances.start_work(rt, process, family, actor)


def test_the_exact_search_finds_a_family_only_by_surname_and_a_childs_date_of_birth(rt, smiths):
    case, _ = smiths
    assert family_search.find_exactly(rt, "fred", "  smith ", JOSIE_BORN) == [
        family_search.FoundFamily(case.id, "Smith", works_with=False)]
    assert family_search.find_exactly(rt, "sam", "Smith", JOSIE_BORN)[0].works_with
    for surname, born in [("Smi", JOSIE_BORN), ("Smith", JOSIE_BORN + timedelta(days=1)), ("", JOSIE_BORN),
                          ("Smith%", JOSIE_BORN)]:
        assert family_search.find_exactly(rt, "fred", surname, born) == [], surname
    assert not [e for e in access_log.entries(rt, case.id) if e.username == "fred"]  # finding is not reading


def test_break_glass_needs_a_reason_lasts_its_hours_and_is_reported(rt, clock, smiths):
    case, instance_id = smiths
    with pytest.raises(Forbidden, match="Give your reason"):
        records.break_glass(rt, "fred", case.id, "   ")
    made = records.break_glass(rt, "fred", case.id, "Police called the Front Door about Josie tonight")
    assert (made.expires_at - clock.now(), made.reported_to) == (timedelta(hours=access.BREAK_GLASS_HOURS), "mona")
    detail = case_views.case_detail(rt, case.id, "fred")
    assert detail.access.why == access.BREAK_GLASS and detail.access.grant.reason == made.reason
    records.require_instance_access(rt, "fred", instance_id)
    assert [(g.who, g.case_id, g.reason) for g in access_log.reported_to(rt, "mona")] == [
        ("fred", case.id, made.reason)]
    fred = [(e.action, e.what, e.how, e.reason) for e in access_log.entries(rt, case.id) if e.username == "fred"]
    assert fred == [("viewed", f"the history of case work {instance_id}", access.BREAK_GLASS, made.reason),
                    ("viewed", records.FAMILY_PAGE, access.BREAK_GLASS, made.reason),
                    ("break_glass", "break glass", access.BREAK_GLASS, made.reason)]
    with pytest.raises(Forbidden, match="started by the Social Worker team"):
        instances.start_work(rt, GATEWAY, case.id, "fred")  # seeing is not starting
    clock.advance(hours=access.BREAK_GLASS_HOURS, seconds=1)
    assert not sees(rt, "fred", case.id)


def test_every_read_is_in_the_access_log_and_never_in_the_history(rt, smiths):
    case, instance_id = smiths
    task = only_task(rt, instance_id, "Record request")
    records.read_task(rt, task.id, "otto")
    records.log_listed(rt, "otto", [task.case_id], "the API's task list")
    records.log_export(rt, "analyst", [GATEWAY], "XES export", 1)
    records.log_export(rt, "analyst", ["another_procedure"], "CSV export", 4)
    case_views.case_detail(rt, case.id, "lisa", case_views.HistoryFilter(work=instance_id))
    assert read_log(rt, case.id) == [
        ("lisa", "viewed", "the history of Work 1", access.MANAGER),
        ("analyst", "exported", GATEWAY, "XES export of 1 pieces of work"),
        ("otto", "listed", "the API's task list", ""),
        ("otto", "viewed", "the task Record request", access.THEIR_TEAM),
    ]
    assert {a for a, _ in [(e.action, e.name) for e in queries.history(rt, instance_id=instance_id)]} & {
        "viewed", "listed", "exported", "break_glass"} == set()


def test_the_access_log_is_for_the_data_protection_officer_and_the_families_managers(rt, smiths):
    case, _ = smiths
    assert access_log.access_log(rt, "dora", case.id) == access_log.access_log(rt, "lisa", case.id)
    for refused in ("sam", "mona"):  # a worker; a manager whose staff have no work with the family
        assert not access_log.may_read_log(rt, refused, case.id)
        with pytest.raises(Forbidden, match="data protection officer"):
            access_log.access_log(rt, refused, case.id)


def test_only_a_process_owner_adds_a_test_family(rt, smiths):
    with pytest.raises(Forbidden, match="Only a process owner adds test families"):
        cases.create_case(rt, "Test family", [cases.Child("Tess Test")], "sam", is_test=True)
    assert [(c.family_name, c.is_test) for c in case_views.find_cases(rt, "pat")] == []
    cases.create_case(rt, "Test family", [cases.Child("Tess Test")], "pat", is_test=True)
    assert [(c.family_name, c.is_test) for c in case_views.find_cases(rt, "pat")] == [("Test family", True)]

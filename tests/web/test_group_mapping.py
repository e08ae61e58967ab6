"""The council's group mapping file (TOML): which teams and roles each group of the identity provider gives."""

from __future__ import annotations

import pytest

from bpmnrun.web.group_mapping import MappingError, load_mapping, parse_mapping

EXAMPLE = '''
[groups."CSC Social Workers"]
teams = ["Social Worker"]

[groups."EH Managers"]
teams = ["Early Help Manager", "EH Awaiting Allocation"]

[groups."Duty Managers"]
teams = ["Social Worker", "Manager (authoriser)"]

[groups."bpmnrun-process-owners"]
roles = ["process owner"]

[groups."no"]          # a name YAML would read as false
teams = ["Front Door"]
'''


def test_each_group_gives_its_teams_and_roles_once_in_the_files_order(tmp_path):
    path = tmp_path / "groups.toml"
    path.write_text(EXAMPLE)
    mapping = load_mapping(path)
    assert mapping.teams_and_roles(["Duty Managers", "CSC Social Workers", "Unknown group"]) == \
        (("Social Worker", "Manager (authoriser)"), ())
    assert mapping.teams_and_roles(["bpmnrun-process-owners", "no"]) == (("Front Door",), ("process owner",))
    assert mapping.teams_and_roles([]) == ((), ())


@pytest.mark.parametrize("text, message", [
    ('[groups.a]\nteams = ["Social Worker"]\n[groups.b]\nteams = ["social worker"]',
     "team 'social worker' is spelt 'Social Worker' elsewhere"),
    ('[groups.a]\nroles = ["Process Owner"]', "no role 'Process Owner' \\(roles: process owner, analyst\\)"),
    ('[groups.a]\nteams = "Social Worker"', "teams is a list of names"),
    ('[groups.a]\nteams = ["Social  Worker"]', "has extra spaces"),
    ('[groups.a]\nteam = ["Social Worker"]', "give `teams` and `roles` only"),
    ('[groups.a]\nteams = []', "gives no team and no role"),
    ('[group.a]\nteams = ["Social Worker"]', "write one \\[groups.\"GROUP\"\\] table per group"),
    ('', "found no groups"),
    ('[groups.a\nteams = 1', "not a TOML file"),
])
def test_a_mapping_that_cannot_be_used_names_the_file_and_what_to_change(tmp_path, text, message):
    path = tmp_path / "groups.toml"
    path.write_text(text)
    with pytest.raises(MappingError, match=message) as refused:
        load_mapping(path)
    assert str(refused.value).startswith(str(path))


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(MappingError, match="cannot read the group mapping file"):
        load_mapping(tmp_path / "nowhere.toml")


def test_a_mapping_read_from_data():
    assert parse_mapping({"groups": {"g": {"roles": ["analyst"]}}}).teams_and_roles(["g"]) == ((), ("analyst",))

"""The corpus of mistakes (tests/diagrams/mistakes/): each small diagram holds ONE mistake a process owner could
make, and says at its top exactly what `bpmnrun check` must answer (`expect:` lines, file: element: message).
A diagram in a folder of its own is checked with the rest of its folder (a caller and the process it calls).

Then the process owners' table: each diagram that used to deploy and then break a case is now refused by
`bpmnrun check`, by `bpmnrun deploy` and by an upload, and deploys once the mistake is corrected.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from bpmnrun.cli.main import cli
from bpmnrun.library.problems import WARNING
from bpmnrun.library.validation import Checker
from bpmnrun.service import deploy
from bpmnrun.service.errors import DiagramInvalid
from bpmnrun.store.models import ProcessVersion

MISTAKES = Path(__file__).resolve().parents[1] / "diagrams" / "mistakes"
EXPECT = re.compile(r"^\s*expect: (.*)$", re.M)


def _expected(path: Path) -> list[str]:
    comment = path.read_text(encoding="utf-8").split("-->", 1)[0]
    return EXPECT.findall(comment)


CASES = sorted(p for p in MISTAKES.rglob("*.bpmn") if _expected(p))


def _said(problems, folder: Path) -> list[str]:
    """Each problem as the corpus writes it: file name, element, [warning: ]message (paths made relative)."""
    return sorted(f"{Path(p.path).name}: {p.element_id}: {'warning: ' if p.severity == WARNING else ''}"
                  f"{p.message.replace(str(folder) + '/', '')}" for p in problems)


def test_the_corpus_has_a_mistake_of_each_kind():
    assert len(CASES) >= 30
    kinds = {p.relative_to(MISTAKES).parts[0].split("_")[0] for p in CASES}
    assert kinds >= {"table", "name", "call", "start", "enum", "gateway", "timer", "cost", "field", "lanes", "text"}


@pytest.mark.parametrize("path", CASES, ids=[str(p.relative_to(MISTAKES)) for p in CASES])
def test_the_check_says_what_each_mistake_is(path):
    in_folder = path.parent != MISTAKES
    report = Checker().report([path.parent] if in_folder else [path])

    assert _said(report.problems, path.parent) == sorted(_expected(path))
    for problem in report.problems:  # each is located on the element it names (its start tag, or a part of it)
        element = etree.parse(problem.path).find(f".//*[@id='{problem.element_id}']")
        lines = [e.sourceline for e in element.iter()]
        assert min(lines) <= problem.line <= max(lines), str(problem)


# --- the process owners' table -----------------------------------------------------------------------------------

# Each row: the diagram, and the correction that makes it deploy (old text → new text, in the XML).
TABLE = {
    "table_label_in_condition": ("family_consent == &quot;Yes&quot;", "family_consent == &quot;yes&quot;"),
    "table_timer_working_days_duration": ("&quot;P5WD&quot;", "&quot;P7D&quot;"),
    "table_timer_unquoted": (">PT3H<", ">&quot;PT3H&quot;<"),
    "table_condition_typo": ("family_concent", "family_consent"),
    "table_field_id_with_space": ('id="joint visit date"', 'id="joint_visit_date"'),
    "table_runaway_loop": ("sum(1 for a in range(10000) for b in range(10000) for c in range(10000)) &gt; 0",
                           "family_consent == &quot;yes&quot;"),
    "table_bytes_bomb": ("b'a' * 10**10 == family_consent", "family_consent == &quot;yes&quot;"),
}


def _copy(tmp_path: Path, name: str, correct: bool = False) -> Path:
    target = tmp_path / f"{name}.bpmn"
    text = (MISTAKES / f"{name}.bpmn").read_text(encoding="utf-8")
    if correct:  # in the diagram itself, not in the comment that describes its mistake
        head, _, diagram = text.partition("-->")
        old, new = TABLE[name]
        assert diagram.count(old) == 1, f"{old!r} must occur once in {name}.bpmn"
        text = head + "-->" + diagram.replace(old, new)
    target.write_text(text, encoding="utf-8")
    return target


@pytest.mark.parametrize("name", sorted(TABLE))
def test_a_table_mistake_is_refused_by_check_and_deploy(tmp_path, monkeypatch, name, rt):
    broken = _copy(tmp_path, name)
    monkeypatch.chdir(tmp_path)
    expected = sorted(_expected(MISTAKES / f"{name}.bpmn"))

    checked = CliRunner().invoke(cli, ["check", broken.name])
    assert checked.exit_code == 1, checked.output
    assert sorted(line.split(":", 2)[0] + ":" + line.split(":", 2)[2] for line in checked.stdout.splitlines()) \
        == [f"{broken.name}:{line.split(':', 1)[1]}" for line in expected]
    assert re.fullmatch(r"1 diagram checked: \d errors?, 0 warnings\n", checked.stderr)

    deployed = CliRunner().invoke(cli, ["--db", str(rt.db.engine.url), "deploy", broken.name])
    assert deployed.exit_code == 1, deployed.output
    assert deployed.stderr.endswith("nothing deployed\n")
    with pytest.raises(DiagramInvalid):
        deploy.deploy(rt, [broken], "owner")
    with pytest.raises(DiagramInvalid):
        deploy.deploy_upload(rt, broken.name, broken.read_bytes(), "owner")
    with rt.reading() as session:
        assert session.query(ProcessVersion).count() == 0


@pytest.mark.parametrize("name", sorted(TABLE))
def test_a_table_mistake_corrected_deploys(tmp_path, name, rt):
    corrected = _copy(tmp_path, name, correct=True)
    assert Checker().report([corrected]).problems == ()
    [result] = deploy.deploy(rt, [corrected], "owner")
    assert (result.process_id, result.version, result.new) == (name, 1, True)


def test_a_folder_of_mistakes_is_one_report(tmp_path, monkeypatch):
    for name in ("table_condition_typo", "text_hint_variable_id"):
        shutil.copy(MISTAKES / f"{name}.bpmn", tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "."])
    assert result.exit_code == 1
    assert result.stderr == "2 diagrams checked: 1 error, 1 warning\n"
    assert [line.split(": ")[0].split(":")[0] for line in result.stdout.splitlines()] == [
        "table_condition_typo.bpmn", "text_hint_variable_id.bpmn"]
    assert ": warning: " in result.stdout.splitlines()[1]

"""A simulation profile checked against the diagrams it is meant for, before any case runs.

A task named in `durations` or `waits`, a field named in `choices`, `values` or `start_data`, and an option
weighted there must be one of the process's (or of a process it calls): a name that is not would otherwise be
silently ignored, and the simulation would run on the defaults while looking steered. Each mistake is named,
with the closest name the diagrams have ("did you mean …").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from lxml import etree

from ..library.files import NS
from ..service.errors import ServiceError
from .simulation_profile import Profile, did_you_mean

TASKS = ("userTask", "manualTask")
CHILDREN_PICKER = ("all", "some")  # a children picker's choices: every child ticked, or some of them


@dataclass(frozen=True)
class FieldKind:
    """What a form field takes: its type, and the options a profile may weight (None: it has no options)."""

    type: str
    options: frozenset[str] | None
    why_no_options: str = ""


@dataclass
class Vocabulary:
    """The names a profile may use for one process and the processes it calls."""

    tasks: set[str] = field(default_factory=set)  # task ids and task names
    fields: dict[str, FieldKind] = field(default_factory=dict)
    start_fields: dict[str, FieldKind] = field(default_factory=dict)


def vocabulary_of(sources: Mapping[str, bytes], start_form: list[dict[str, Any]]) -> Vocabulary:
    """The tasks and form fields of these diagrams (as service.catalogue.deployed_sources gives them), and the
    start form as the Start work page offers it (its options as they are at run time)."""
    vocabulary = Vocabulary()
    for xml in sources.values():
        tree = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
        for kind in TASKS:
            for task in tree.iter(f"{{{NS['bpmn']}}}{kind}"):
                vocabulary.tasks.update(v for v in (task.get("id"), (task.get("name") or "").strip()) if v)
        for element in tree.iter(f"{{{NS['camunda']}}}formField"):
            _add(vocabulary.fields, element.get("id") or "", _kind_of(element))
    for spec in start_form:
        _add(vocabulary.start_fields, spec["id"], _kind_of_spec(spec))
        _add(vocabulary.fields, spec["id"], _kind_of_spec(spec))
    return vocabulary


def check_profile(profile: Profile, vocabulary: Vocabulary) -> None:
    """ServiceError naming every task, field and option of the profile the diagrams do not have."""
    problems: list[str] = []
    for setting in ("durations", "waits"):
        for key in getattr(profile, setting):
            if key not in vocabulary.tasks:
                problems.append(f"{setting}.{key}: no task of this process has that id or name"
                                f"{did_you_mean(key, vocabulary.tasks)}")
    problems += _fields("choices", profile.choices, vocabulary.fields, weighted=True)
    problems += _fields("values", profile.values, vocabulary.fields, weighted=False)
    problems += _fields("start_data", profile.start_data, vocabulary.start_fields, weighted=None)
    if problems:
        where = "" if profile.name.startswith("default") else f" {profile.name}"
        raise ServiceError(f"the profile{where} names what the diagrams do not have:\n  " + "\n  ".join(problems))


def _fields(setting: str, table: Mapping[str, Any], fields: Mapping[str, FieldKind],
            weighted: bool | None) -> Iterable[str]:
    """`weighted` True: every entry weighs options; False: plain answers; None: either (start data)."""
    for key, setting_value in table.items():
        kind = fields.get(key)
        if kind is None:
            which = "the start form has no field" if setting == "start_data" else "no form of this process has a field"
            yield f"{setting}.{key}: {which} {key!r}{did_you_mean(key, fields)}"
            continue
        if weighted is False or (weighted is None and not isinstance(setting_value, Mapping)):
            continue
        if weighted is None and (kind.type != "enum" or kind.options is None or kind.options == set(CHILDREN_PICKER)):
            continue  # start data weighs answers: any text, a person, the children chosen
        if kind.options is None:
            yield f"{setting}.{key}: {kind.why_no_options}; give its answer under \"values\" instead" \
                if setting == "choices" else f"{setting}.{key}: {kind.why_no_options}"
            continue
        for option in setting_value:
            if option not in kind.options:
                yield (f"{setting}.{key}: {option!r} is not one of its options ({', '.join(sorted(kind.options))})"
                       f"{did_you_mean(option, kind.options)}")


def _add(table: dict[str, FieldKind], field_id: str, kind: FieldKind) -> None:
    """The same field id in several forms: the options of all of them."""
    known = table.get(field_id)
    if known is not None and known.options is not None and kind.options is not None:
        kind = FieldKind(kind.type, known.options | kind.options)
    elif known is not None and known.options is not None:
        kind = known
    if field_id:
        table[field_id] = kind


def _kind_of(element: etree._Element) -> FieldKind:
    kind = element.get("type") or "string"
    properties = {p.get("id") or p.get("name"): (p.get("value") or "").strip()
                  for p in element.iterfind("camunda:properties/camunda:property", NS)}
    source = properties.get("choose_from", "")
    if source == "subjects":
        return FieldKind(kind, frozenset(CHILDREN_PICKER))
    if source.startswith("team:"):
        return FieldKind(kind, None, "a person picker is answered by a simulated member of its teams")
    if kind == "enum":
        return FieldKind(kind, frozenset(v.get("id") for v in element.iterfind("camunda:value", NS) if v.get("id")))
    if kind == "boolean":
        return FieldKind(kind, frozenset(("true", "false")))
    return FieldKind(kind, None, f"a {kind} field has no options to choose between")


def _kind_of_spec(spec: Mapping[str, Any]) -> FieldKind:
    if spec.get("picks_children"):
        return FieldKind(spec["type"], frozenset(CHILDREN_PICKER))
    if spec.get("picked_teams"):
        return FieldKind(spec["type"], None, "a person picker is answered by a simulated member of its teams")
    if spec["type"] == "enum":
        return FieldKind("enum", frozenset(o["id"] for o in spec.get("options", [])))
    if spec["type"] == "boolean":
        return FieldKind("boolean", frozenset(("true", "false")))
    return FieldKind(spec["type"], None, f"a {spec['type']} field has no options to choose between")

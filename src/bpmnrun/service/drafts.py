"""Process owners' drafts, edited in the browser: saved server-side per owner and process, never deployed and
never seen by caseworkers until the owner deploys one (by the upload's own path: deploy.deploy_upload), and
checked by the same `bpmnrun check` a deploy makes, plus the run-time check that each lane's team has people.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree
from sqlalchemy import delete, select

from ..library.files import NS
from ..library.problems import WARNING, Problem
from ..store.models import ProcessDraft, User
from . import deploy, impact
from .draft_template import new_process_xml
from .errors import Conflict, DiagramInvalid, Forbidden, InvalidInput, NotFound
from .runtime import Runtime

OWNER = "process owner"
PROCESS_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


@dataclass(frozen=True)
class Draft:
    process_id: str
    owner: str
    xml: str
    saved_at: datetime

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.xml.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Opened:
    """What the editor opens: the owner's draft if there is one, else the newest deployed version."""

    process_id: str
    xml: str
    draft: Draft | None
    deployed_version: int | None
    deployed_xml: str | None
    filename: str  # the name the library keeps the file under, which the deploy reports


def open_for_edit(rt: Runtime, owner: str, process_id: str) -> Opened:
    with rt.reading() as session:
        _require_owner(session, owner)
        latest = deploy.latest_version(session, process_id, required=False)
        row = _row(session, owner, process_id)
        draft = _draft(row) if row is not None else None
        if latest is None and draft is None:
            raise NotFound(f"There is no process {process_id!r}, and no draft of it.")
        return Opened(process_id, draft.xml if draft else latest.xml, draft, latest.version if latest else None,
                      latest.xml if latest else None,
                      Path(latest.source_path).name if latest else f"{process_id}.bpmn")


def get(rt: Runtime, owner: str, process_id: str) -> Draft | None:
    with rt.reading() as session:
        _require_owner(session, owner)
        row = _row(session, owner, process_id)
        return _draft(row) if row is not None else None


def save(rt: Runtime, owner: str, process_id: str, xml: str) -> Draft:
    """Keep `xml` as the owner's draft of the process (replacing an earlier one); it must define that process."""
    _require_defines(process_id, xml)
    with rt.transaction() as session:
        _require_owner(session, owner)
        row = _row(session, owner, process_id)
        if row is None:
            row = ProcessDraft(owner=owner, process_id=process_id, xml=xml, saved_at=rt.now())
            session.add(row)
        else:
            row.xml, row.saved_at = xml, rt.now()
        session.flush()
        return _draft(row)


def discard(rt: Runtime, owner: str, process_id: str) -> bool:
    """Drop the owner's draft; False when there was none."""
    with rt.transaction() as session:
        _require_owner(session, owner)
        gone = session.execute(delete(ProcessDraft).where(ProcessDraft.owner == owner,
                                                          ProcessDraft.process_id == process_id))
        return gone.rowcount > 0


def check(rt: Runtime, owner: str, process_id: str, xml: str) -> list[Problem]:
    """Every problem deploying `xml` would meet (errors refuse it), and lanes whose team has nobody in it."""
    get(rt, owner, process_id)  # an owner's question only
    filename = open_for_edit_name(rt, process_id)
    try:
        _require_defines(process_id, xml)
        plan = deploy.plan_upload(rt, filename, xml.encode("utf-8"))
    except InvalidInput as exc:
        return [Problem(filename, 0, "", reason) for reason in exc.errors.values()]
    except DiagramInvalid as exc:
        return _on_diagram_elements(exc.problems, xml)
    return _on_diagram_elements([*plan.warnings, *_empty_lanes(rt, filename, process_id, xml)], xml)


def _on_diagram_elements(problems: list[Problem], xml: str) -> list[Problem]:
    """Each problem named by the element drawn on the diagram: one about a form field (or another extension of
    an element) is the task's, and the message names the field already."""
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    drawn = {}
    for extensions in root.iter(f"{{{NS['bpmn']}}}extensionElements"):
        owner = extensions.getparent().get("id")
        for inner in extensions.iter():
            if inner.get("id") and owner:
                drawn.setdefault(inner.get("id"), owner)
    return [dataclasses.replace(p, element_id=drawn.get(p.element_id, p.element_id)) for p in problems]


def impact_of_draft(rt: Runtime, owner: str, process_id: str, sha256: str) -> impact.ImpactReport:
    """What deploying the saved draft with that hash would change (DiagramInvalid when it has an error)."""
    draft = _the_draft(rt, owner, process_id, sha256)
    return impact.impact_of_upload(rt, open_for_edit_name(rt, process_id), draft.xml.encode("utf-8"))


def deploy_draft(rt: Runtime, owner: str, process_id: str, sha256: str) -> deploy.Uploaded:
    """Deploy exactly the draft the owner compared (named by its hash), then drop it: its work is done."""
    draft = _the_draft(rt, owner, process_id, sha256)
    deployed = deploy.deploy_upload(rt, open_for_edit_name(rt, process_id), draft.xml.encode("utf-8"), owner)
    discard(rt, owner, process_id)
    return deployed


def new_process(rt: Runtime, owner: str, process_id: str, name: str, lane: str) -> Draft:
    """A draft of a new process from the template: a start, one user task in one lane, an end."""
    errors = {}
    if not PROCESS_ID.fullmatch(process_id):
        errors["process_id"] = ("Enter a process id of letters, digits and underscores, starting with a letter, "
                                "for example authc_early_help_review")
    if not name.strip():
        errors["name"] = "Enter the process name caseworkers will see"
    if not lane.strip():
        errors["lane"] = "Enter the team that does the first task, for example Social Worker"
    if errors:
        raise InvalidInput(errors)
    with rt.reading() as session:
        if deploy.latest_version(session, process_id, required=False) is not None:
            raise InvalidInput({"process_id": f"A process {process_id} is already deployed: edit that one instead"})
    return save(rt, owner, process_id, new_process_xml(process_id, name.strip(), lane.strip()))


def open_for_edit_name(rt: Runtime, process_id: str) -> str:
    with rt.reading() as session:
        latest = deploy.latest_version(session, process_id, required=False)
        return Path(latest.source_path).name if latest else f"{process_id}.bpmn"


def _the_draft(rt: Runtime, owner: str, process_id: str, sha256: str) -> Draft:
    draft = get(rt, owner, process_id)
    if draft is None:
        raise NotFound(f"You have no draft of {process_id}: save one first.")
    if draft.sha256 != sha256:
        raise Conflict("Your draft changed since you compared it: compare it again before deploying.")
    return draft


def _require_owner(session, username: str) -> None:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or OWNER not in (user.roles or []):
        raise Forbidden("Only process owners can edit diagrams.")


def _require_defines(process_id: str, xml: str) -> None:
    if len(xml.encode("utf-8")) > deploy.MAX_UPLOAD_BYTES:
        raise InvalidInput({"xml": f"The diagram must be smaller than {deploy.MAX_UPLOAD_BYTES // 1024 // 1024} MB"})
    try:
        root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise InvalidInput({"xml": f"The diagram is not well-formed XML: {exc}"}) from None
    if root.find(f"bpmn:process[@id='{process_id}']", NS) is None:
        raise InvalidInput({"xml": f"The diagram must define the process {process_id}: its process id was changed"})


def _empty_lanes(rt: Runtime, filename: str, process_id: str, xml: str) -> list[Problem]:
    """The run-time check: a lane whose team has nobody in it sends its tasks to no inbox."""
    with rt.reading() as session:
        teams = {team for found in session.scalars(select(User.teams)) for team in found or []}
    root = etree.fromstring(xml.encode("utf-8"))
    lanes = root.iterfind(f"bpmn:process[@id='{process_id}']//bpmn:lane", NS)
    return [Problem(filename, lane.sourceline or 0, lane.get("id", ""),
                    f"nobody is in the team {lane.get('name')!r}, so this lane's tasks would reach no inbox: "
                    f"add users to that team", WARNING)
            for lane in lanes if lane.get("name") and lane.get("name") not in teams]


def _row(session, owner: str, process_id: str) -> ProcessDraft | None:
    return session.scalars(select(ProcessDraft).where(ProcessDraft.owner == owner,
                                                      ProcessDraft.process_id == process_id)).first()


def _draft(row: ProcessDraft) -> Draft:
    return Draft(row.process_id, row.owner, row.xml, row.saved_at)

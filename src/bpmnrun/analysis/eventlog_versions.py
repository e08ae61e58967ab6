"""What the event log reads from a deployed process version's diagrams: every activity term of each user task,
the lane of each element, and the end events by name. Read once per version (an export of many cases reads a
handful of versions), from the XML the version pinned: its own and that of every process it calls."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..library.files import NS, DiagramFile
from ..store.models import ProcessVersion
from .diagrams import read_diagrams


@dataclass
class VersionFacts:
    process_id: str
    version: int
    authority: str
    terms: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (process, element) -> terms
    lanes: dict[tuple[str, str], str] = field(default_factory=dict)  # (process, element) -> lane name
    end_events: dict[str, str] = field(default_factory=dict)  # the work's own end events: name -> element id

    def terms_of(self, process_id: str, element_id: str) -> tuple[str, ...]:
        return self.terms.get((process_id, element_id), ())

    def lane_of(self, process_id: str, element_id: str) -> str | None:
        return self.lanes.get((process_id, element_id))


class VersionCache:
    """VersionFacts by process_version id, read on first use within one reading session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[int, VersionFacts] = {}

    def facts(self, version_id: int) -> VersionFacts:
        if version_id not in self.known:
            self.known[version_id] = _read(self.session, self.session.get(ProcessVersion, version_id))
        return self.known[version_id]


def _read(session: Session, version: ProcessVersion) -> VersionFacts:
    sources = _sources(session, version)
    facts = VersionFacts(version.process_id, version.version, version.authority,
                         terms=dict(read_diagrams(sources).terms))
    for path, xml in sources.items():
        diagram = DiagramFile.parse(path, xml)
        for pid in diagram.process_ids:
            process = diagram.process(pid)
            for lane in process.iterfind(".//bpmn:lane", NS):
                for ref in lane.iterfind("bpmn:flowNodeRef", NS):
                    if lane.get("name") and ref.text:
                        facts.lanes[(pid, ref.text.strip())] = lane.get("name")
            if pid == version.process_id:
                # Direct children only: an end event inside a sub-process ends the sub-process, not the work.
                for end in process.iterfind("bpmn:endEvent", NS):
                    facts.end_events.setdefault(end.get("name") or end.get("id"), end.get("id"))
    return facts


def _sources(session: Session, version: ProcessVersion) -> dict[str, bytes]:
    """Process id -> XML of the version and of the versions it pinned for the processes it calls."""
    sources = {version.process_id: version.xml.encode("utf-8")}
    for callee_id in (version.calls or {}).values():
        callee = session.get(ProcessVersion, callee_id)
        if callee is not None and callee.process_id not in sources:
            sources.update(_sources(session, callee))
    return sources

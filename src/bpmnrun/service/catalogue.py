"""The catalogue of deployed processes: what each one asks of whom, read from its newest version."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..library.summary import ProcessSummary, summarise
from ..store.models import ProcessVersion
from .deploy import _sources, latest_version
from .runtime import Runtime


SOURCE_DOCUMENTS = {
    "000": "000 Social Care step out to TAC – Internal Lead Professional (Lincolnshire quick guide)",
    "001": "001 Social Care Step out to TAC process diagrams (Lincolnshire, June 2024)",
    "002": "002 Completing a TAC Monitoring Request (Lincolnshire)",
    "003": "003 Case Transfer Protocol Children's Social Care and Early help (York, DRAFT)",
    "004": "004 Process Flow: Step Down from Social Care (SC) to Early Help (EH) (Authority C)",
}


def source_documents(documentation: str) -> tuple[str, ...]:
    """The seed documents a process's documentation cites, by their numbers."""
    cited = re.findall(r"(?<![\d.])(00[0-4])(?![\d.])", documentation)
    return tuple(SOURCE_DOCUMENTS[n] for n in dict.fromkeys(cited))


@dataclass(frozen=True)
class CatalogueEntry:
    process_id: str
    version: int
    authority: str
    source_path: str
    summary: ProcessSummary

    @property
    def sources(self) -> tuple[str, ...]:
        return source_documents(f"{self.summary.source} {self.summary.documentation}")

    def to_json(self) -> dict:
        return {"process_id": self.process_id, "version": self.version, "authority": self.authority,
                "source_path": self.source_path, "source_documents": list(self.sources),
                **self.summary.to_json()}


def catalogue(rt: Runtime) -> list[CatalogueEntry]:
    with rt.reading() as session:
        return _entries(session)


def lane_names(session: Session) -> list[str]:
    """Every team the deployed procedures name: their lanes and candidate teams."""
    summaries = [e.summary for e in _entries(session)]
    return sorted({lane for s in summaries for lane in s.lanes}
                  | {team for s in summaries for t in s.user_tasks for team in t.candidate_groups})


def _entries(session: Session) -> list[CatalogueEntry]:
    newest = (select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("v"))
              .group_by(ProcessVersion.process_id).subquery())
    # Columns, not ORM objects: every task list page reads this, and the XML only for a version not summarised yet.
    versions = session.execute(
        select(ProcessVersion.id, ProcessVersion.sha256, ProcessVersion.process_id, ProcessVersion.title,
               ProcessVersion.version, ProcessVersion.authority, ProcessVersion.source_path)
        .join(newest, (newest.c.process_id == ProcessVersion.process_id) & (newest.c.v == ProcessVersion.version))
        .order_by(ProcessVersion.authority, ProcessVersion.process_id))
    return [CatalogueEntry(v.process_id, v.version, v.authority, v.source_path, summary_of_row(session, v))
            for v in versions]


# A version's content never changes, so its summary is kept by content hash: pages that list the
# procedures (the task list's filter, Start work) parse no XML once a version has been seen.
_SUMMARIES: dict[tuple[str, str, str], ProcessSummary] = {}
_SUMMARIES_KEPT = 1024


def summary_of(version: ProcessVersion) -> ProcessSummary:
    """What a deployed version is made of (its lanes, tasks, where it starts)."""
    return _summary(version)


class VersionColumns(Protocol):
    id: int
    sha256: str
    process_id: str
    title: str


def summary_of_row(session: Session, version: VersionColumns) -> ProcessSummary:
    """summary_of for a version read as columns (start_read.VersionRow): its XML is read only when no version of
    that content has been summarised yet."""
    found = _SUMMARIES.get((version.sha256, version.process_id, version.title))
    return found if found is not None else _summary(session.get(ProcessVersion, version.id))


def _summary(version: ProcessVersion) -> ProcessSummary:
    key = (version.sha256, version.process_id, version.title)
    found = _SUMMARIES.get(key)
    if found is None:
        found = summarise(etree.fromstring(version.xml.encode()), version.process_id, version.title)
        if len(_SUMMARIES) >= _SUMMARIES_KEPT:
            _SUMMARIES.clear()
        _SUMMARIES[key] = found
    return found


@dataclass(frozen=True)
class DeployedSources:
    """The newest deployed version of a process with the XML of everything it pins (for the analysts)."""

    process_id: str
    version: int
    title: str
    authority: str
    sources: dict[str, bytes]


def deployed_sources(rt: Runtime, process_id: str) -> DeployedSources:
    """Raises NotFound if the process is not deployed."""
    with rt.reading() as session:
        version = latest_version(session, process_id)
        return DeployedSources(version.process_id, version.version, version.title, version.authority,
                               _sources(session, version))

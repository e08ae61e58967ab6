"""The process library as its pages show it: every process with all its versions, and one version in full.

Reads `process_version` and counts running instances per version; never loads workflow state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from lxml import etree
from sqlalchemy import func, select

from ..library.summary import ProcessSummary, summarise
from ..store.models import Instance, ProcessVersion
from .catalogue import source_documents
from .errors import NotFound
from .runtime import Runtime

SHA_SHOWN = 12  # enough to tell versions apart at a glance, as git does


@dataclass(frozen=True)
class VersionRow:
    version: int
    sha256: str
    source_path: str
    deployed_at: datetime
    deployed_by: str
    running: int  # instances still running on this version

    @property
    def sha_prefix(self) -> str:
        return self.sha256[:SHA_SHOWN]


@dataclass(frozen=True)
class ProcessListing:
    process_id: str
    title: str
    authority: str
    versions: tuple[VersionRow, ...]  # newest first

    @property
    def latest(self) -> VersionRow:
        return self.versions[0]

    @property
    def running(self) -> int:
        return sum(v.running for v in self.versions)


@dataclass(frozen=True)
class ProcessDetail:
    listing: ProcessListing
    shown: VersionRow  # the version the page is about
    title: str  # that version's own title: a new version may rename the process
    xml: str
    summary: ProcessSummary
    called: tuple[tuple[str, str], ...]  # (process id, title) of each sub-process it calls, once each

    @property
    def sources(self) -> tuple[str, ...]:
        return source_documents(f"{self.summary.source} {self.summary.documentation}")


def list_processes(rt: Runtime) -> list[ProcessListing]:
    """Every deployed process, by authority then title, each with all its versions."""
    with rt.reading() as session:
        running = dict(session.execute(
            select(Instance.process_version_id, func.count())
            .where(Instance.status == "running").group_by(Instance.process_version_id)).all())
        rows = session.execute(
            select(ProcessVersion.id, ProcessVersion.process_id, ProcessVersion.version, ProcessVersion.sha256,
                   ProcessVersion.title, ProcessVersion.authority, ProcessVersion.source_path,
                   ProcessVersion.deployed_at, ProcessVersion.deployed_by)
            .order_by(ProcessVersion.process_id, ProcessVersion.version.desc())).all()
    listings = [_listing(list(group), running) for _, group in groupby(rows, key=lambda r: r.process_id)]
    return sorted(listings, key=lambda p: (p.authority, p.title.casefold(), p.process_id))


def by_authority(listings: list[ProcessListing]) -> list[tuple[str, list[ProcessListing]]]:
    """The listings grouped by authority, in the order given."""
    return [(authority, list(group)) for authority, group in groupby(listings, key=lambda p: p.authority)]


def process_detail(rt: Runtime, process_id: str, version: int | None = None) -> ProcessDetail:
    """One process at one version (its newest by default): summary, diagram source and all versions."""
    listings = {p.process_id: p for p in list_processes(rt)}
    listing = listings.get(process_id)
    if listing is None:
        raise NotFound(f"no process {process_id!r} is deployed")
    xml, title = version_xml(rt, process_id, version or listing.latest.version)
    shown = next(v for v in listing.versions if v.version == (version or listing.latest.version))
    summary = summarise(etree.fromstring(xml.encode("utf-8")), process_id, title)
    called = tuple((pid, listings[pid].title if pid in listings else pid) for pid in dict.fromkeys(summary.calls))
    return ProcessDetail(listing, shown, title, xml, summary, called)


def version_xml(rt: Runtime, process_id: str, version: int) -> tuple[str, str]:
    """The XML and title of one deployed version, as the process owner deployed it."""
    with rt.reading() as session:
        row = session.execute(
            select(ProcessVersion.xml, ProcessVersion.title)
            .where(ProcessVersion.process_id == process_id, ProcessVersion.version == version)).first()
    if row is None:
        raise NotFound(f"process {process_id!r} has no version {version}")
    return row.xml, row.title


def _listing(rows: list, running: dict[int, int]) -> ProcessListing:
    newest = rows[0]
    versions = tuple(VersionRow(r.version, r.sha256, r.source_path, r.deployed_at, r.deployed_by,
                                running.get(r.id, 0)) for r in rows)
    return ProcessListing(newest.process_id, newest.title, newest.authority, versions)

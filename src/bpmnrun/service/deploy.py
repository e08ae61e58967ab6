"""Deploying the process library: a new version per changed bundle, never a change to a running case."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..library.bundles import ParsedSpec, ProcessBundle, load_bundles, parse_sources
from ..library.validation import Checker
from ..store.models import ProcessVersion
from .errors import DiagramInvalid, NotFound
from .runtime import Runtime

AUTHORITIES = {"lincs": "Lincolnshire", "york": "York", "authc": "Authority C"}


@dataclass(frozen=True)
class Deployed:
    process_id: str
    version: int
    new: bool
    title: str

    @property
    def outcome(self) -> str:
        return "new" if self.new else "unchanged"


def deploy(rt: Runtime, paths: Iterable[str | Path], actor: str, allow_scripts: bool = False) -> list[Deployed]:
    """Validate, then register every process under `paths` by content hash (callees first)."""
    paths = list(paths)
    problems = Checker(allow_scripts=allow_scripts).check(paths)
    if problems:
        raise DiagramInvalid(problems)
    bundles = load_bundles(paths)
    results: dict[str, Deployed] = {}
    with rt.transaction() as session:
        for bundle in bundles.values():
            _deploy_bundle(session, bundle, actor, rt, results)
    return [results[pid] for pid in bundles]


def _deploy_bundle(session: Session, bundle: ProcessBundle, actor: str, rt: Runtime, done: dict) -> ProcessVersion:
    if bundle.process_id in done:
        return latest_version(session, bundle.process_id)
    calls = {pid: _deploy_bundle(session, callee, actor, rt, done).id for pid, callee in bundle.calls.items()}
    current = latest_version(session, bundle.process_id, required=False)
    if current is not None and current.sha256 == bundle.sha256:
        done[bundle.process_id] = Deployed(bundle.process_id, current.version, False, current.title)
        return current
    version = ProcessVersion(
        process_id=bundle.process_id,
        version=(current.version + 1) if current else 1,
        sha256=bundle.sha256,
        title=bundle.title,
        authority=AUTHORITIES.get(bundle.process_id.split("_", 1)[0], "Other"),
        source_path=bundle.path,
        xml=bundle.xml.decode("utf-8"),
        calls=calls,
        deployed_at=rt.now(),
        deployed_by=actor,
    )
    session.add(version)
    session.flush()
    done[bundle.process_id] = Deployed(bundle.process_id, version.version, True, version.title)
    return version


def latest_version(session: Session, process_id: str, required: bool = True) -> ProcessVersion | None:
    version = session.scalars(
        select(ProcessVersion).where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc()).limit(1)
    ).first()
    if version is None and required:
        raise NotFound(f"no process {process_id!r} is deployed")
    return version


def parsed_spec(rt: Runtime, session: Session, version_id: int) -> ParsedSpec:
    """The parsed spec bundle of a deployed version, parsed once per process and cached."""

    # Keyed by content, not row id: the same bundle parses the same in any database. A version
    # never changes once deployed, so its key is remembered and costs no query after the first.
    key = rt.version_keys.get(version_id)
    if key is None:
        version = session.get(ProcessVersion, version_id)
        key = rt.version_keys.setdefault(version_id, (version.process_id, version.sha256))

    def load() -> ParsedSpec:
        version = session.get(ProcessVersion, version_id)
        return parse_sources(version.process_id, _sources(session, version))

    return rt.specs.get(key, load)


def _sources(session: Session, version: ProcessVersion) -> dict[str, bytes]:
    sources = {version.process_id: version.xml.encode("utf-8")}
    for callee_id in version.calls.values():
        sources.update(_sources(session, session.get(ProcessVersion, callee_id)))
    return sources

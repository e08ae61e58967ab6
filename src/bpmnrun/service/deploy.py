"""Deploying the process library: a new version per changed bundle, never a change to a running case."""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Iterable

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..library.bundles import ParsedSpec, ProcessBundle, bundles_of, load_bundles, parse_sources
from ..library.files import DiagramFile
from ..library.problems import DiagramError, Problem
from ..library.validation import Checker
from ..store.models import ProcessVersion
from .errors import Conflict, DiagramInvalid, InvalidInput, NotFound
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
    bundles = checked_bundles(paths, allow_scripts)
    results: dict[str, Deployed] = {}
    with rt.transaction() as session:
        for bundle in bundles.values():
            _deploy_bundle(session, bundle, actor, rt, results)
    return [results[pid] for pid in bundles]


def checked_bundles(paths: Iterable[str | Path], allow_scripts: bool = False) -> dict[str, ProcessBundle]:
    """The bundles of every process under `paths`, refused (DiagramInvalid) if any diagram has an error."""
    paths = list(paths)
    errors = [p for p in Checker(allow_scripts=allow_scripts).check(paths) if _is_error(p)]
    if errors:
        raise DiagramInvalid(errors)
    return load_bundles(paths)


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


# --- a diagram uploaded by a process owner -----------------------------------------------------------------

MAX_UPLOAD_BYTES = 1024 * 1024  # the library's largest diagram is under 100 kB


@dataclass(frozen=True)
class Uploaded:
    processes: list[Deployed]  # what the file defines, new or unchanged
    callers: list[Deployed]  # processes given a new version because they call one that changed


@dataclass(frozen=True)
class UploadPlan:
    """A checked upload: the bundles it makes, what it defines, and the callers that get a new version with it."""

    name: str
    bundles: dict[str, ProcessBundle]
    uploaded: list[str]
    callers: list[str]
    warnings: list[Problem]  # worth fixing, but they do not stop the deploy


def deploy_upload(rt: Runtime, filename: str, content: bytes, actor: str,
                  allow_scripts: bool = False) -> Uploaded:
    """Check one uploaded .bpmn file against the deployed library, then deploy it.

    Every caller of a changed process gets a new version too, as `deploy` does for a folder, so new
    work uses the change. Unchanged content deploys nothing. Running cases keep their versions.
    """
    plan = plan_upload(rt, filename, content, allow_scripts)
    return _deploy_with_callers(rt, plan.bundles, plan.uploaded, actor)


def plan_upload(rt: Runtime, filename: str, content: bytes, allow_scripts: bool = False) -> UploadPlan:
    """What deploying an uploaded file would do, checked (InvalidInput, DiagramInvalid), without deploying it."""
    name = upload_name(filename)
    _check_upload_bytes(content)
    uploaded = _readable(name, content)
    library = {v.process_id: v for v in _latest_versions(rt)}
    own = set(uploaded.process_ids) if uploaded else set()
    source_path = _source_path(name, [library[pid] for pid in own if pid in library])
    rest = [v for pid, v in library.items() if pid not in own]
    problems = _check_against(name, content, rest, allow_scripts)
    errors = [p for p in problems if _is_error(p)]
    if errors or uploaded is None:
        raise DiagramInvalid(errors or [Problem(name, 0, "-", "not a readable diagram")])
    files = [DiagramFile.parse(v.source_path, v.xml.encode("utf-8")) for v in rest]
    try:
        bundles = bundles_of([*files, DiagramFile.parse(source_path, content)])
    except DiagramError as exc:
        raise DiagramInvalid(exc.problems) from None
    changed = set(uploaded.process_ids)
    callers = [pid for pid, bundle in bundles.items() if pid not in changed and _calls_any(bundle, changed)]
    return UploadPlan(name, bundles, list(uploaded.process_ids), callers,
                      [p for p in problems if not _is_error(p)])


def _is_error(problem: Problem) -> bool:
    # A warning (caseworker text that reads like a modelling note, say) is printed but does not stop a deploy.
    return getattr(problem, "is_error", True)


def upload_name(filename: str | None) -> str:
    # Browsers send a bare name, but some old ones send the client's whole path.
    name = PureWindowsPath(PurePosixPath(filename or "").name).name.strip()
    if not name:
        raise InvalidInput({"file": "Select a .bpmn file"})
    if not name.lower().endswith(".bpmn"):
        raise InvalidInput({"file": f"The selected file must be a .bpmn file: {name} is not"})
    return name


def _check_upload_bytes(content: bytes) -> None:
    if not content.strip():
        raise InvalidInput({"file": "The selected file is empty"})
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput({"file": f"The selected file must be smaller than {MAX_UPLOAD_BYTES // 1024 // 1024} MB"})
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput({"file": "The selected file must be saved as UTF-8, as modellers save it"}) from None


def _readable(name: str, content: bytes) -> DiagramFile | None:
    """The parsed upload, or None when it is not well-formed or declares a DOCTYPE (the check then says where)."""
    try:
        return DiagramFile.parse(name, content)
    except etree.XMLSyntaxError:
        return None


def _latest_versions(rt: Runtime) -> list[ProcessVersion]:
    with rt.reading() as session:
        newest = (select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("v"))
                  .group_by(ProcessVersion.process_id).subquery())
        versions = session.scalars(select(ProcessVersion).join(
            newest, (newest.c.process_id == ProcessVersion.process_id) & (newest.c.v == ProcessVersion.version)))
        rows = list(versions)
        session.expunge_all()
        return rows


def _source_path(name: str, replaced: list[ProcessVersion]) -> str:
    """Where the library keeps this file, when the upload is a new version of it; else its name."""
    for version in replaced:
        if Path(version.source_path).name == name:
            return version.source_path
    return name


def _check_against(name: str, content: bytes, library: list[ProcessVersion], allow_scripts: bool) -> list[Problem]:
    """Problems of the upload, its call activities resolved in `library`, named by the upload's own name."""
    with tempfile.TemporaryDirectory(prefix="bpmnrun-upload-") as tmp:
        upload = Path(tmp, "upload.bpmn")
        upload.write_bytes(content)
        shown = {str(upload): name}
        folder = Path(tmp, "library")
        folder.mkdir()
        for n, version in enumerate(library):
            path = folder / f"{n:04d}.bpmn"
            path.write_text(version.xml, encoding="utf-8")
            shown[str(path)] = version.source_path
        problems = Checker(allow_scripts=allow_scripts).report([upload], library=[folder]).problems
    return [dataclasses.replace(p, path=shown.get(p.path, p.path)) for p in problems]


def _deploy_with_callers(rt: Runtime, bundles: dict[str, ProcessBundle], uploaded: list[str],
                         actor: str) -> Uploaded:
    changed = set(uploaded)
    callers = [pid for pid, bundle in bundles.items() if pid not in changed and _calls_any(bundle, changed)]
    results: dict[str, Deployed] = {}
    try:
        with rt.transaction() as session:
            for pid in [*uploaded, *callers]:
                _deploy_bundle(session, bundles[pid], actor, rt, results)
    except IntegrityError:
        # Two owners deployed the same process at once: the other one's version number won.
        raise Conflict("another deployment of this process happened at the same time: upload it again") from None
    return Uploaded([results[pid] for pid in uploaded], [results[pid] for pid in callers if results[pid].new])


def _calls_any(bundle: ProcessBundle, process_ids: set[str]) -> bool:
    return any(pid in process_ids or _calls_any(callee, process_ids) for pid, callee in bundle.calls.items())

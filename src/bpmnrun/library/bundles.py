"""Process bundles: a process with everything it calls, hashed as one, parsed once per version.

A deployed version pins what it calls, so its hash covers its own XML and the hashes of its
callees: redeploying a called sub-process makes a new version of every caller, and a running case
keeps the whole bundle it started with.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from lxml import etree

from . import multi_instance
from .files import DiagramFile, find_diagrams
from .parser import BpmnrunParser
from .problems import DiagramError, Problem


@dataclass(frozen=True)
class ProcessBundle:
    process_id: str
    title: str
    path: str
    xml: bytes
    calls: Mapping[str, "ProcessBundle"] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256(self.xml)
        for callee in sorted(self.calls):
            digest.update(f"\n{callee}={self.calls[callee].sha256}".encode())
        return digest.hexdigest()

    def sources(self) -> dict[str, bytes]:
        """Every process id of the bundle → the XML that defines it."""
        found = {self.process_id: self.xml}
        for callee in self.calls.values():
            found.update(callee.sources())
        return found


def load_bundles(paths: Iterable[str | Path]) -> dict[str, ProcessBundle]:
    """Bundles of every executable process under `paths`, callees resolved among them."""
    return bundles_of(DiagramFile.parse(str(path), path.read_bytes()) for path in find_diagrams(paths))


def bundles_of(files: Iterable[DiagramFile]) -> dict[str, ProcessBundle]:
    """Bundles of every executable process of `files` (a later file wins a process id), callees resolved among them."""
    diagrams: dict[str, DiagramFile] = {}
    for diagram in files:
        for pid in diagram.process_ids:
            diagrams[pid] = diagram
    built: dict[str, ProcessBundle] = {}

    def build(pid: str, chain: tuple[str, ...]) -> ProcessBundle:
        if pid in built:
            return built[pid]
        if pid in chain:
            raise DiagramError([Problem(diagrams[pid].path, 0, pid, f"calls itself through {' → '.join(chain)}")])
        diagram = diagrams[pid]
        calls = {}
        for callee in diagram.called_elements(pid):
            if callee not in diagrams:
                raise DiagramError([Problem(diagram.path, 0, pid, f"calls process {callee!r}, which is not in the library")])
            calls[callee] = build(callee, chain + (pid,))
        built[pid] = ProcessBundle(pid, diagram.title(pid), diagram.path, diagram.xml, calls)
        return built[pid]

    for pid in diagrams:
        build(pid, ())
    return built


@dataclass(frozen=True)
class ParsedSpec:
    spec: object
    subprocess_specs: dict


def parse_sources(process_id: str, sources: Mapping[str, bytes]) -> ParsedSpec:
    parser = BpmnrunParser()
    for xml in {hashlib.sha256(x).digest(): x for x in sources.values()}.values():
        parser.add_bpmn_xml(etree.fromstring(xml))
    parsed = ParsedSpec(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
    # A case restored on a spec parsed afresh may already be inside a per-child (multi-instance) task.
    multi_instance.prime([parsed.spec, *parsed.subprocess_specs.values()])
    return parsed


class SpecCache:
    """Parsed specs per version key, least recently used dropped first.

    Spec objects are shared between instances: bpmnrun only allows multi-instance by
    `camunda:collection`, whose run-time spec update is the same for every instance.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[object, ParsedSpec] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object, load: Callable[[], ParsedSpec]) -> ParsedSpec:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        parsed = load()
        with self._lock:
            self._items[key] = parsed
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return parsed

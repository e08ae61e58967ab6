"""Finding diagram files and reading what each defines."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "camunda": CAMUNDA_NS}


PACKAGED_LIBRARY = Path(__file__).resolve().parent / "packaged_bpmn"  # a wheel's copy of bpmn/ (setup.py)

NO_DOCTYPE = "a diagram must not declare a DOCTYPE or entities"
# What may come before the root element: a byte order mark, the XML declaration, comments, processing
# instructions and white space. A DOCTYPE there is found before parsing, since an entity it declares can make
# the parse itself fail (an external entity in an attribute) before the tree would show it.
_DOCTYPE = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.DOTALL)


class UnreadableDiagram(etree.XMLSyntaxError):
    """A diagram file that is not well-formed XML, or that declares a DOCTYPE or entities (modellers never write
    one, and refusing it keeps entity tricks out of every later parse). A kind of XMLSyntaxError, so that every
    reader refusing malformed XML refuses these too; str() is one line, `path:line: -: reason`."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(reason, 0, line, 0, path)
        self.path, self.line, self.reason = path, line, reason

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: -: {self.reason}"


def default_library() -> Path:
    """The process library commands use when none is named: bpmn/ here, else the copy installed with bpmnrun."""
    here = Path("bpmn")
    return here if here.is_dir() or not PACKAGED_LIBRARY.is_dir() else PACKAGED_LIBRARY


def find_diagrams(paths: Iterable[str | Path]) -> list[Path]:
    """Every .bpmn file named, or found below a named folder, in a stable order."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(path.rglob("*.bpmn")))
        else:
            found.append(path)
    return found


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class DiagramFile:
    """One parsed .bpmn file: its bytes, its XML tree and the processes it defines."""

    path: str
    xml: bytes
    tree: etree._Element
    process_ids: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, path: str, xml: bytes) -> "DiagramFile":
        """The parsed file; UnreadableDiagram when it is not well-formed or declares a DOCTYPE."""
        found = _DOCTYPE.match(xml)
        if found:
            raise UnreadableDiagram(path, 1 + xml.count(b"\n", 0, found.end()), NO_DOCTYPE)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            tree = etree.fromstring(xml, parser)
        except etree.XMLSyntaxError as exc:
            raise UnreadableDiagram(path, exc.lineno or 0, f"not well-formed XML: {exc.msg}") from None
        if tree.getroottree().docinfo.doctype:  # one the pattern missed (a file in another encoding, say)
            raise UnreadableDiagram(path, 1, NO_DOCTYPE)
        ids = [p.get("id") for p in tree.iterfind("bpmn:process", NS) if p.get("isExecutable", "true") != "false"]
        return cls(path=path, xml=xml, tree=tree, process_ids=ids)

    def process(self, process_id: str) -> etree._Element:
        return self.tree.find(f"bpmn:process[@id='{process_id}']", NS)

    def title(self, process_id: str) -> str:
        participant = self.tree.find(f".//bpmn:participant[@processRef='{process_id}']", NS)
        if participant is not None and participant.get("name"):
            return participant.get("name")
        return self.process(process_id).get("name") or process_id

    def called_elements(self, process_id: str) -> list[str]:
        calls = self.process(process_id).iterfind(".//bpmn:callActivity", NS)
        return sorted({c.get("calledElement") for c in calls if c.get("calledElement")})

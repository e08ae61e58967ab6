"""The diagrams a comparison reads: each process's flow graph, every activity term of its user tasks, and the
catalogue code analysts call it by.

A user task names one or more terms of the shared activity vocabulary (process-catalogue §9.1) in its
`camunda:properties`: `activity`, then `activity2`, `activity3` … for a step that covers several. The flow graph
of library/ keeps the first two only, so the terms are read here from the XML, all of them, in number order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from ..library.files import NS, DiagramFile
from ..library.graph import Flow, Node, ProcessGraph, read_graphs

# process-catalogue §4: the code each process is known by in the catalogue and in analysts' tables. A diagram
# may not cite it (caseworkers read its documentation, which carries no catalogue references).
CATALOGUE_CODES = {
    "lincs_step_out_internal_lp_existing_eh": "L1", "lincs_step_out_internal_lp_no_eh": "L2",
    "lincs_step_out_external_lp_eh_involved": "L3", "lincs_step_out_external_lp_no_eh": "L4",
    "lincs_tac_monitoring_request_external_lp": "L5", "lincs_change_lp_external_to_internal": "L6",
    "lincs_external_lp_requests_eh_support": "L7", "lincs_decision_on_significant_information": "L8",
    "lincs_sc_case_closure": "S-CLOSE", "lincs_front_door_screening": "S-FD",
    "lincs_manager_authorisation": "S-AUTH", "lincs_tac_monitoring": "S-TACMON",
    "york_step_down_mash": "Y1", "york_step_down_single_assessment": "Y2", "york_step_down_cin_cp": "Y3",
    "york_request_additional_services": "Y4", "york_case_closure": "Y5", "york_pathways_step_down": "Y6",
    "york_step_up": "Y7", "authc_step_down_sc_to_eh": "C1",
}
_TERM = re.compile(r"activity(\d*)")


@dataclass
class Diagrams:
    """Flow graphs by process id, with the activity terms of every node that has any."""

    graphs: dict[str, ProcessGraph]
    terms: dict[tuple[str, str], tuple[str, ...]]

    def activities(self, process_id: str, node_id: str) -> tuple[str, ...]:
        return self.terms.get((process_id, node_id), ())

    def code(self, process_id: str) -> str | None:
        graph = self.graphs.get(process_id)
        return CATALOGUE_CODES.get(process_id) or (graph.code if graph else None)


def read_diagrams(sources: Mapping[str, bytes]) -> Diagrams:
    """Graphs and activity terms of every executable process in `sources` (path or id → XML)."""
    terms: dict[tuple[str, str], tuple[str, ...]] = {}
    for path, xml in sources.items():
        diagram = DiagramFile.parse(path, xml)
        for pid in diagram.process_ids:
            terms.update(_terms(diagram, pid))
    return Diagrams(read_graphs(sources), terms)


def _terms(diagram: DiagramFile, process_id: str) -> dict[tuple[str, str], tuple[str, ...]]:
    found = {}
    for element in diagram.process(process_id).iter():
        numbered = []
        for prop in element.iterfind("bpmn:extensionElements/camunda:properties/camunda:property", NS):
            match = _TERM.fullmatch(prop.get("name") or "")
            if match and (prop.get("value") or "").strip():
                numbered.append((int(match.group(1) or 1), prop.get("value").strip()))
        if numbered and element.get("id"):
            found[(process_id, element.get("id"))] = tuple(dict.fromkeys(term for _, term in sorted(numbered)))
    return found


def branch_name(graph: ProcessGraph, gateway: Node, flow: Flow) -> str:
    """A branch in the diagram's words: the flow's name, else the name of where it leads, else "otherwise" for
    the default (a flow into an unnamed merge says nothing more)."""
    if flow.name:
        return flow.name
    target = graph.nodes.get(flow.target)
    if target is not None and target.name and target.name != target.id:
        return target.name
    return "otherwise" if flow.id == gateway.default_flow else flow.target

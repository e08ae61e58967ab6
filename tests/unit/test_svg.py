"""render_svg: every diagram of the library and of the tests drawn from its DI, with states and highlights."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from bpmnrun.library.svg import render_svg
from bpmnrun.library.svg_shapes import STATES
from bpmnrun.library.svg_text import LINE_HEIGHT, text_width

TESTS = Path(__file__).resolve().parents[1]
DIAGRAM_FILES = sorted((TESTS.parent / "bpmn").rglob("*.bpmn")) + sorted((TESTS / "diagrams").glob("*.bpmn"))
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SVG = "http://www.w3.org/2000/svg"
S = {"s": SVG}
FLOW_NODE = re.compile(r"(.*Task|task|callActivity|subProcess|.*Event|.*Gateway)$")


def svg_of(path: Path | bytes, **kwargs) -> etree._Element:
    xml = path if isinstance(path, bytes) else path.read_bytes()
    return etree.fromstring(render_svg(xml, **kwargs).encode())


def by_id(svg: etree._Element, element_id: str) -> etree._Element:
    found = svg.xpath("//*[@id=$i]", i=f"bpmn-{element_id}")
    assert len(found) == 1, f"{len(found)} elements with id bpmn-{element_id}"
    return found[0]


def classes(element: etree._Element) -> set[str]:
    return set(element.get("class", "").split())


def title_of(element: etree._Element) -> str:
    return element.findtext("s:title", namespaces=S)


def drawn_model(path: Path) -> list[etree._Element]:
    """The flow nodes, sequence flows and lanes of the file's processes: each must be drawn."""
    tree = etree.parse(str(path))
    return [e for e in tree.iter(f"{{{BPMN}}}*")
            if FLOW_NODE.match(etree.QName(e).localname) and not etree.QName(e).localname.endswith("Definition")
            or etree.QName(e).localname in ("sequenceFlow", "lane")]


def diagram(task_name: str = "Check the plan", title: str = "Small process") -> bytes:
    """A small diagram with what the library has little of: a condition on a task's outgoing flow, a default
    flow, a sequential multi-instance call activity, an interrupting message boundary event, a parallel and
    an inclusive gateway, and a name with markup characters."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
    id="Defs" targetNamespace="http://bpmnrun.example/tests">
  <bpmn:collaboration id="Collab"><bpmn:participant id="Pool" name="{title}" processRef="small" /></bpmn:collaboration>
  <bpmn:process id="small" isExecutable="true">
    <bpmn:laneSet id="LS"><bpmn:lane id="Lane_A" name="Early Help &amp; &lt;TAC&gt;" /></bpmn:laneSet>
    <bpmn:startEvent id="Start" />
    <bpmn:userTask id="Check" name="{task_name}" default="F_default" />
    <bpmn:callActivity id="Call" name="Per child" calledElement="child">
      <bpmn:multiInstanceLoopCharacteristics isSequential="true" />
    </bpmn:callActivity>
    <bpmn:boundaryEvent id="Msg" name="Withdrawn" attachedToRef="Call"><bpmn:messageEventDefinition /></bpmn:boundaryEvent>
    <bpmn:parallelGateway id="Split" />
    <bpmn:inclusiveGateway id="Incl" name="Which?" />
    <bpmn:endEvent id="End" name="Done" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Check" />
    <bpmn:sequenceFlow id="F_cond" name="ok" sourceRef="Check" targetRef="Call">
      <bpmn:conditionExpression>ok == True</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F_default" sourceRef="Check" targetRef="Split" />
    <bpmn:sequenceFlow id="F3" sourceRef="Split" targetRef="Incl" />
    <bpmn:sequenceFlow id="F4" sourceRef="Incl" targetRef="End" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="Collab">
    <bpmndi:BPMNShape id="Pool_di" bpmnElement="Pool" isHorizontal="true"><dc:Bounds x="100" y="50" width="800" height="300" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Lane_di" bpmnElement="Lane_A" isHorizontal="true"><dc:Bounds x="130" y="50" width="770" height="300" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Start_di" bpmnElement="Start"><dc:Bounds x="172" y="102" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Check_di" bpmnElement="Check"><dc:Bounds x="260" y="80" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Call_di" bpmnElement="Call"><dc:Bounds x="420" y="80" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Msg_di" bpmnElement="Msg"><dc:Bounds x="482" y="142" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Split_di" bpmnElement="Split"><dc:Bounds x="285" y="235" width="50" height="50" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Incl_di" bpmnElement="Incl"><dc:Bounds x="445" y="235" width="50" height="50" />
      <bpmndi:BPMNLabel><dc:Bounds x="450" y="292" width="40" height="14" /></bpmndi:BPMNLabel></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="End_di" bpmnElement="End"><dc:Bounds x="602" y="242" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="F1_di" bpmnElement="F1"><di:waypoint x="208" y="120" /><di:waypoint x="260" y="120" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="F_cond_di" bpmnElement="F_cond"><di:waypoint x="360" y="120" /><di:waypoint x="420" y="120" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="F_default_di" bpmnElement="F_default"><di:waypoint x="310" y="160" /><di:waypoint x="310" y="235" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="F3_di" bpmnElement="F3"><di:waypoint x="335" y="260" /><di:waypoint x="445" y="260" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="F4_di" bpmnElement="F4"><di:waypoint x="495" y="260" /><di:waypoint x="602" y="260" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>""".encode()


# --- every diagram --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", DIAGRAM_FILES, ids=lambda p: p.stem)
def test_every_diagram_draws_each_node_flow_and_lane_once_with_its_name(path):
    svg = svg_of(path)
    assert etree.QName(svg).localname == "svg" and svg.get("version") == "1.1"
    assert svg.get("role") == "img" and svg.get("aria-label").startswith("Process diagram: ")
    ids = svg.xpath("//@id")
    assert len(ids) == len(set(ids)), "duplicate ids"
    model = drawn_model(path)
    assert model
    for element in model:
        drawn = by_id(svg, element.get("id"))
        name = " ".join((element.get("name") or "").split())
        kind = etree.QName(element).localname
        assert {"bpmn-element", f"bpmn-{kind}"} <= classes(drawn)
        if name:
            assert title_of(drawn) == name
        elif kind == "sequenceFlow":
            assert title_of(drawn).startswith("Sequence flow from ")
        else:
            assert title_of(drawn)


@pytest.mark.parametrize("path", DIAGRAM_FILES, ids=lambda p: p.stem)
def test_every_diagram_is_standalone_and_fits_its_viewbox(path):
    text = render_svg(path.read_bytes())
    svg = etree.fromstring(text.encode())
    assert not svg.xpath("//s:script | //s:image | //s:foreignObject | //@*[local-name()='href']", namespaces=S)
    assert "http" not in re.sub(r'xmlns="[^"]*"', "", text)  # no external reference of any kind
    left, top, width, height = map(float, svg.get("viewBox").split())
    for rect in svg.xpath("//s:g[contains(@class, 'bpmn-element')]/s:rect", namespaces=S):
        x, y = float(rect.get("x")), float(rect.get("y"))
        assert left + 10 <= x and x + float(rect.get("width")) <= left + width - 10
        assert top + 10 <= y and y + float(rect.get("height")) <= top + height - 10


def test_no_state_and_no_legend_when_nothing_is_marked():
    svg = svg_of(TESTS / "diagrams" / "test_timers.bpmn")
    assert not svg.xpath("//*[contains(@class, 'bpmn-state-')] | //*[@id='bpmnrun-legend']")


# --- notation -------------------------------------------------------------------------------------------

def test_task_names_are_wrapped_inside_their_boxes():
    path = TESTS.parent / "bpmn" / "york" / "york_step_up.bpmn"
    svg = svg_of(path)
    tasks = svg.xpath("//s:g[contains(@class, 'bpmn-activity')]", namespaces=S)
    assert len(tasks) > 10
    for task in tasks:
        box = task.find("s:rect", S)
        text = task.find("s:text[@class='bpmn-label']", S)
        size = float(text.get("font-size"))
        lines = [t.text for t in text.iterfind("s:tspan", S)]
        assert 10 <= size <= 12
        assert all(text_width(line, size) <= float(box.get("width")) - 10 for line in lines)
        assert len(lines) * size * LINE_HEIGHT <= float(box.get("height")) - 10
        assert title_of(task).startswith(" ".join(lines).removesuffix("…"))


def test_a_name_too_long_for_its_box_ends_in_an_ellipsis_and_keeps_its_title():
    name = "Record the outcome of the strategy discussion " * 6
    svg = svg_of(diagram(task_name=name))
    task = by_id(svg, "Check")
    lines = [t.text for t in task.iterfind("s:text/s:tspan", S)]
    assert len(lines) == 4 and lines[-1].endswith("…")
    assert " ".join(lines[:-1]) == "Record the outcome of the strategy discussion"
    assert title_of(task) == name.strip()


def test_markers_of_the_notation():
    svg = svg_of(diagram())
    call = by_id(svg, "Call")
    assert call.find("s:rect", S).get("stroke-width") == "5"
    assert call.xpath("s:g/@class", namespaces=S) == ["bpmn-marker bpmn-marker-sequential",
                                                       "bpmn-marker bpmn-marker-collapsed"]
    assert by_id(svg, "Check").xpath("count(s:path)", namespaces=S) == 1  # the person icon
    assert "bpmn-message" in classes(by_id(svg, "Msg")) and "bpmn-non-interrupting" not in classes(by_id(svg, "Msg"))
    assert by_id(svg, "Split").xpath("count(s:line)", namespaces=S) == 2  # +
    assert by_id(svg, "Incl").xpath("count(s:circle)", namespaces=S) == 1  # O
    assert by_id(svg, "End").find("s:circle", S).get("stroke-width") == "4"
    assert by_id(svg, "Start").find("s:circle", S).get("stroke-width") == "2"
    conditional = by_id(svg, "F_cond")
    assert "bpmn-conditional-flow" in classes(conditional)
    assert conditional.xpath("count(*[@class='bpmn-condition-marker'])") == 1
    default = by_id(svg, "F_default")
    assert "bpmn-default-flow" in classes(default) and default.xpath("count(*[@class='bpmn-default-marker'])") == 1
    assert "bpmn-conditional-flow" not in classes(by_id(svg, "F3"))  # a gateway's flows carry no diamond
    assert [t.text for t in by_id(svg, "Incl-label").iterfind(".//s:tspan", S)] == ["Which?"]


def test_timers_and_non_interrupting_boundary_events():
    svg = svg_of(TESTS / "diagrams" / "test_timers.bpmn")
    late = by_id(svg, "Late")
    assert {"bpmn-boundaryEvent", "bpmn-timer", "bpmn-non-interrupting"} <= classes(late)
    assert [c.get("stroke-dasharray") for c in late.findall("s:circle", S)][:2] == ["5 3", "5 3"]
    assert "bpmn-timer" in classes(by_id(svg, "Wait"))
    # a boundary event is drawn after (over) the task it is attached to
    order = [g.get("id") for g in svg.iter(f"{{{SVG}}}g")]
    assert order.index("bpmn-Late") > order.index("bpmn-Handover")


def test_multi_instance_parallel_marker():
    svg = svg_of(TESTS / "diagrams" / "test_per_child.bpmn")
    multi = svg.xpath("//s:g[contains(@class, 'bpmn-multi-instance')]", namespaces=S)
    assert len(multi) == 1
    assert multi[0].xpath("s:g/@class", namespaces=S) == ["bpmn-marker bpmn-marker-parallel"]


# --- states and highlights ------------------------------------------------------------------------------

TIMERS = TESTS / "diagrams" / "test_timers.bpmn"
CASE = {"StartEvt": "completed", "F1": "completed", "Request": "completed", "Wait": "waiting",
        "Handover": "overdue", "Meeting": "active"}


def test_states_give_classes_markers_and_a_legend():
    svg = svg_of(TIMERS, states=CASE)
    for element_id, state in CASE.items():
        assert f"bpmn-state-{state}" in classes(by_id(svg, element_id))
    request = by_id(svg, "Request")
    assert request.find("s:rect", S).get("fill") != "#ffffff"
    assert request.xpath("count(s:g[@class='bpmn-badge bpmn-badge-completed'])", namespaces=S) == 1
    assert by_id(svg, "Handover").xpath("count(s:g[@class='bpmn-badge bpmn-badge-overdue'])", namespaces=S) == 1
    # the waiting timer is outlined with a dashed line, the active task with a thick solid one
    assert by_id(svg, "Wait").find("s:circle", S).get("stroke-dasharray")
    halo = by_id(svg, "Meeting").find("s:rect", S)
    assert halo.get("stroke-width") == "4" and halo.get("stroke-dasharray") is None
    assert "bpmn-state-" not in " ".join(classes(by_id(svg, "EndEvt")))
    assert by_id(svg, "Handover").findtext("s:desc", namespaces=S) == "Overdue."
    legend = svg.xpath("//*[@id='bpmnrun-legend']/s:g/@class", namespaces=S)
    assert legend == [f"bpmn-legend-item bpmn-legend-{state}" for state in STATES]
    assert "Overdue: Joint handover meeting." in svg.get("aria-label")


def test_unknown_ids_are_ignored():
    plain = render_svg(TIMERS.read_bytes())
    assert render_svg(TIMERS.read_bytes(), states={"NoSuchTask": "active"}, highlight=["Nope"]) == plain


def test_unknown_state_is_refused():
    with pytest.raises(ValueError, match="unknown state 'done' for 'Request'"):
        render_svg(TIMERS.read_bytes(), states={"Request": "done"})


def test_highlight_hatches_and_outlines():
    svg = svg_of(TIMERS, highlight=["Meeting", "F3", "Wait"])
    assert svg.xpath("count(//s:defs/s:pattern[@id='bpmnrun-hatch'])", namespaces=S) == 1
    for element_id in ("Meeting", "Wait"):
        shape = by_id(svg, element_id)
        assert "bpmn-highlighted" in classes(shape)
        assert shape.xpath("count(*[@fill='url(#bpmnrun-hatch)'])") == 1
        assert shape.xpath("count(*[@class='bpmn-highlight-outline'])") == 1
    assert "bpmn-highlighted" in classes(by_id(svg, "F3"))
    assert "bpmn-highlighted" not in classes(by_id(svg, "Request"))
    legend = svg.xpath("//*[@id='bpmnrun-legend']/s:g/@class", namespaces=S)
    assert legend[-1] == "bpmn-legend-item bpmn-legend-highlighted"


# --- text and errors ------------------------------------------------------------------------------------

def test_markup_in_names_and_title_is_escaped():
    nasty = 'Tom &amp; Jerry &lt;script&gt;alert("x")&lt;/script&gt;'
    text = render_svg(diagram(task_name=nasty.replace('"', "&quot;")), title='Case <7> & "Smith"')
    assert "<script" not in text and "Tom &amp; Jerry &lt;script&gt;" in text
    svg = etree.fromstring(text.encode())
    assert title_of(by_id(svg, "Check")) == 'Tom & Jerry <script>alert("x")</script>'
    assert title_of(by_id(svg, "Lane_A")) == "Early Help & <TAC>"
    assert title_of(svg) == 'Case <7> & "Smith"'
    assert svg.xpath("string(//*[@id='bpmnrun-heading'])") == 'Case <7> & "Smith"'
    assert svg.get("aria-label").startswith('Process diagram: Case <7> & "Smith".')


def test_title_defaults_to_the_pool_name():
    svg = svg_of(diagram(title="Step down &amp; out"))
    assert title_of(svg) == "Step down & out"
    assert not svg.xpath("//*[@id='bpmnrun-heading']")


def test_a_diagram_without_layout_is_refused():
    tree = etree.fromstring(TIMERS.read_bytes())
    for di in tree.findall("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNDiagram"):
        tree.remove(di)
    with pytest.raises(ValueError, match="process 'test_timers' has no diagram layout"):
        render_svg(etree.tostring(tree))


@pytest.mark.parametrize("xml, message", [
    (b"<not closed", "not a BPMN file"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a BPMN file"),
])
def test_not_bpmn_is_refused(xml, message):
    with pytest.raises(ValueError, match=message):
        render_svg(xml)


def test_process_is_chosen_by_id():
    xml = TIMERS.read_bytes()
    assert render_svg(xml, process_id="test_timers") == render_svg(xml)
    with pytest.raises(ValueError, match="no process 'other'"):
        render_svg(xml, process_id="other")

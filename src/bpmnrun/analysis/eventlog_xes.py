"""Writing traces as an IEEE 1849 XES log (contract 1 of issue 13), streaming: one trace in memory at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable

from lxml import etree

from .eventlog_events import Trace

XES_NAMESPACE = "http://www.xes-standard.org/"
EXTENSIONS = (("Concept", "concept"), ("Lifecycle", "lifecycle"), ("Organizational", "org"), ("Time", "time"))
# IEEE 1849 lets a log declare its own extension: our `bpmnrun:` keys. A URN: nothing is fetched from it.
OWN_EXTENSION = ("bpmnrun", "bpmnrun", "urn:bpmnrun:xes:extension:bpmnrun")


@dataclass(frozen=True)
class Exported:
    traces: int
    events: int


def write(target: Path | str, traces: Iterable[Trace]) -> Exported:
    count_traces = count_events = 0
    with etree.xmlfile(str(target), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(_tag("log"), {"xes.version": "1849-2016", "xes.features": "nested-attributes"},
                        nsmap={None: XES_NAMESPACE}):
            for element in _log_header():
                xf.write(element, pretty_print=True)
            for trace in traces:
                xf.write(_trace_element(trace), pretty_print=True)
                count_traces += 1
                count_events += len(trace.events)
    return Exported(count_traces, count_events)


def _log_header() -> list[etree._Element]:
    parts = [_element("extension", name=name, prefix=prefix, uri=f"{XES_NAMESPACE}{prefix}.xesext")
             for name, prefix in EXTENSIONS]
    name, prefix, uri = OWN_EXTENSION
    parts.append(_element("extension", name=name, prefix=prefix, uri=uri))
    trace_globals = _element("global", scope="trace")
    _attribute(trace_globals, "string", "concept:name", "__INVALID__")
    event_globals = _element("global", scope="event")
    _attribute(event_globals, "string", "concept:name", "__INVALID__")
    _attribute(event_globals, "string", "lifecycle:transition", "complete")
    _attribute(event_globals, "date", "time:timestamp", "1970-01-01T00:00:00.000+00:00")
    parts += [trace_globals, event_globals,
              _element("classifier", name="Activity", keys="concept:name"),
              _element("classifier", name="Activity and lifecycle", keys="concept:name lifecycle:transition")]
    name = _element("string", key="concept:name", value="bpmnrun event log")
    return parts + [name]


def _trace_element(trace: Trace) -> etree._Element:
    element = _element("trace")
    _attribute(element, "string", "concept:name", str(trace.instance_id))
    _attribute(element, "string", "bpmnrun:authority", trace.authority)
    _attribute(element, "string", "bpmnrun:process", trace.process_id)
    _attribute(element, "int", "bpmnrun:version", str(trace.version))
    if trace.outcome:
        _attribute(element, "string", "bpmnrun:outcome", trace.outcome)
    _attribute(element, "string", "bpmnrun:status", trace.status)
    _attribute(element, "int", "bpmnrun:case", str(trace.case_id))
    for event in trace.events:
        item = etree.SubElement(element, _tag("event"))
        _attribute(item, "string", "concept:name", event.name)
        _attribute(item, "string", "lifecycle:transition", event.lifecycle)
        _attribute(item, "date", "time:timestamp", xes_time(event.timestamp))
        if event.resource:
            _attribute(item, "string", "org:resource", event.resource)
        if event.role:
            _attribute(item, "string", "org:role", event.role)
        if event.element_id:
            _attribute(item, "string", "bpmnrun:element", event.element_id)
        _attribute(item, "string", "bpmnrun:element_type", event.element_type)
        if event.terms:
            _attribute(item, "string", "bpmnrun:activity", " ".join(event.terms))
    return element


def _attribute(parent: etree._Element, kind: str, key: str, value: str) -> None:
    etree.SubElement(parent, _tag(kind), key=key, value=value)


def _element(tag: str, **attributes: str) -> etree._Element:
    return etree.Element(_tag(tag), attributes, nsmap={None: XES_NAMESPACE})


def _tag(name: str) -> str:
    return f"{{{XES_NAMESPACE}}}{name}"


def xes_time(when: datetime) -> str:
    """ISO 8601 with its offset, to the millisecond (what XES readers parse)."""
    return when.isoformat(timespec="milliseconds")

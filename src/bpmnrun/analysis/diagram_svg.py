"""A variant's diagram for the comparison: drawn by library.svg with what sets the variant apart highlighted,
without the key of a case's states (Completed, In progress, Overdue mean nothing on a comparison; the page says
what the highlight means), and at the size an analyst zooms to.

The zoom is written into the SVG's width and height (presentation attributes), so it needs neither script nor a
style sheet: a page can offer it as plain links.
"""

from __future__ import annotations

from lxml import etree

from ..library.svg import render_svg

SVG_NS = "http://www.w3.org/2000/svg"
ZOOMS = ("fit", "50", "100", "150", "200")  # "fit": as wide as the page; a number: per cent of full size


def compare_svg(xml: bytes, process_id: str, highlight: set[str], title: str, prefix: str = "") -> str:
    """The diagram with `highlight`ed element ids and no key of case states; its ids start with `prefix`, so
    several diagrams on one page keep their ids apart. Raises ValueError as render_svg does."""
    svg = without_state_key(render_svg(xml, process_id, highlight=highlight, title=title))
    return _prefixed(svg, prefix) if prefix else svg


def _prefixed(svg: str, prefix: str) -> str:
    root = etree.fromstring(svg)
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    for el in root.iter():
        for attribute, value in el.attrib.items():
            if attribute == "id":
                el.set("id", prefix + value)
            elif "url(#" in value or (attribute.endswith("href") and value.startswith("#")):
                for old in ids:
                    value = value.replace(f"#{old})", f"#{prefix}{old})")
                    if value == f"#{old}":
                        value = f"#{prefix}{old}"
                el.set(attribute, value)
    return etree.tostring(root, encoding="unicode")


def without_state_key(svg: str) -> str:
    """`svg` less the key drawn under it, the drawing shortened by the key's height."""
    root = etree.fromstring(svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg)
    key = root.find(f"{{{SVG_NS}}}g[@id='bpmnrun-legend']")
    if key is None:
        return etree.tostring(root, encoding="unicode")
    label = key.find(f"{{{SVG_NS}}}text")
    root.remove(key)
    left, top, width, _ = (float(v) for v in root.get("viewBox").split())
    bottom = float(label.get("y")) - 12 if label is not None else top + float(root.get("height"))
    height = max(bottom - top, 1.0)
    root.set("viewBox", f"{_number(left)} {_number(top)} {_number(width)} {_number(height)}")
    root.set("height", _number(height))
    background = root.find(f"{{{SVG_NS}}}rect[@class='bpmn-background']")
    if background is not None:
        background.set("height", _number(height))
    return etree.tostring(root, encoding="unicode")


def zoomed(svg: str, zoom: str) -> str:
    """`svg` drawn at `zoom` per cent of its full size ("fit" and unknown values leave it as it is: the page's
    style sheet fits it to the width)."""
    if zoom not in ZOOMS or zoom == "fit":
        return svg
    root = etree.fromstring(svg)
    factor = int(zoom) / 100
    for dimension in ("width", "height"):
        root.set(dimension, _number(float(root.get(dimension)) * factor))
    return etree.tostring(root, encoding="unicode")


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text

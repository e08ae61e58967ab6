// "Compare with the deployed version": both diagrams side by side, with what was added, removed and changed
// coloured (bpmn-js-differ), beside the server's impact report on running cases.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import { diff } from "bpmn-js-differ";

const KINDS = { _added: "diff-added", _removed: "diff-removed", _changed: "diff-changed", _layoutChanged: "diff-layout" };

export async function showComparison(oldContainer, newContainer, oldXml, newXml) {
  const before = await viewer(oldContainer, oldXml);
  const after = await viewer(newContainer, newXml);
  const changes = diff(before.getDefinitions(), after.getDefinitions());
  const counts = {};
  for (const [key, marker] of Object.entries(KINDS)) {
    const ids = Object.keys(changes[key] || {});
    counts[marker] = ids.length;
    for (const id of ids) {
      // Removed elements are drawn only on the deployed side, added ones only on the draft's.
      for (const side of key === "_removed" ? [before] : key === "_added" ? [after] : [before, after]) {
        if (side.get("elementRegistry").get(id)) side.get("canvas").addMarker(id, marker);
      }
    }
  }
  focus([before, after], changes);
  follow(before, after);
  return counts;
}

// A whole diagram fitted into half the page is too small to read: both sides show the region that changed.
function focus(viewers, changes) {
  const ids = ["_added", "_removed", "_changed"].flatMap((key) => Object.keys(changes[key] || {}));
  const boxes = viewers.flatMap((v) => ids.map((id) => v.get("elementRegistry").get(id)).filter(Boolean))
    .filter((e) => !e.waypoints && e.type !== "bpmn:Participant" && e.type !== "bpmn:Lane" && e.type !== "bpmn:Process");
  if (!boxes.length) return;
  const pad = 150;
  const x = Math.min(...boxes.map((e) => e.x)) - pad;
  const y = Math.min(...boxes.map((e) => e.y)) - pad;
  const width = Math.max(...boxes.map((e) => e.x + e.width)) - x + pad;
  const height = Math.max(...boxes.map((e) => e.y + e.height)) - y + pad;
  viewers.forEach((v) => v.get("canvas").viewbox({ x, y, width: Math.max(width, 800), height: Math.max(height, 400) }));
}

// Panning or zooming one side moves the other with it, so the same place is always side by side.
function follow(a, b) {
  let busy = false;
  const mirror = (from, to) => from.on("canvas.viewbox.changed", ({ viewbox }) => {
    if (busy) return;
    busy = true;
    to.get("canvas").viewbox({ x: viewbox.x, y: viewbox.y, width: viewbox.width, height: viewbox.height });
    busy = false;
  });
  mirror(a, b);
  mirror(b, a);
}

export async function showDraft(emptyContainer, container, xml) {
  emptyContainer.replaceChildren();
  await viewer(container, xml);
}

async function viewer(container, xml) {
  container.replaceChildren();
  const shown = new NavigatedViewer({ container, moddleExtensions: { camunda: camundaModdle } });
  await shown.importXML(xml);
  shown.get("canvas").zoom("fit-viewport");
  return shown;
}

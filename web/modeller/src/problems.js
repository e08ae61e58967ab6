// Problems on the diagram: the server's `bpmnrun check` and bpmnlint's rules, each marked on its element and
// listed below the canvas; choosing one in the list selects its element and scrolls it into view.
const MARKER = "editor-problem"; // overlays' type; each element's marker says how bad: error or warning
const MARKERS = ["editor-problem", "editor-warning"];

export class Problems {
  constructor(modeler, list, summary) {
    this.modeler = modeler;
    this.list = list;
    this.summary = summary;
    this.server = [];
    this.checked = false; // whether the server's check has run on this diagram yet
    this.lint = [];
    this.marked = [];
    modeler.on("linting.completed", ({ issues }) => {
      this.lint = Object.entries(issues || {}).flatMap(([id, found]) =>
        found.map((i) => ({ element_id: id, message: i.message, severity: i.category === "error" ? "error" : "warning",
                            source: "bpmnlint" })));
      this.render();
    });
  }

  setServer(problems) {
    this.server = problems.map((p) => ({ ...p, source: "bpmnrun check" }));
    this.checked = true;
    this.render();
  }

  render() {
    const overlays = this.modeler.get("overlays");
    const canvas = this.modeler.get("canvas");
    const registry = this.modeler.get("elementRegistry");
    overlays.remove({ type: MARKER });
    this.marked.forEach((id) => registry.get(id) && MARKERS.forEach((m) => canvas.removeMarker(id, m)));
    this.marked = [];
    // Errors first, so an element with both is marked as an error.
    const worstFirst = [...this.server].sort((a, b) => (a.severity === "error" ? 0 : 1) - (b.severity === "error" ? 0 : 1));
    for (const p of worstFirst) {
      if (!registry.get(p.element_id) || this.marked.includes(p.element_id)) continue;
      const error = p.severity === "error";
      canvas.addMarker(p.element_id, error ? "editor-problem" : "editor-warning");
      overlays.add(p.element_id, MARKER, {
        position: { top: -12, right: 12 },
        html: `<span class="editor-problem-badge${error ? "" : " editor-problem-badge--warning"}" `
          + `title="${escape(p.message)}">!</span>`,
      });
      this.marked.push(p.element_id);
    }
    this.renderList();
  }

  renderList() {
    // Said per source: bpmn-js-bpmnlint's own button counts bpmnlint's alone, and must not seem to disagree.
    const all = [...this.server, ...this.lint];
    const server = this.checked ? count(this.server) : "not run yet (Check, or Save draft)";
    this.summary.textContent = `bpmnrun check: ${server}. bpmnlint: ${count(this.lint)}.`;
    this.list.replaceChildren(...all.map((p) => this.item(p)));
  }

  item(p) {
    const li = document.createElement("li");
    li.className = `editor-problems__item editor-problems__item--${p.severity}`;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "editor-problems__link";
    const where = this.modeler.get("elementRegistry").get(p.element_id);
    const name = where?.businessObject?.name || p.element_id || "the whole diagram";
    button.textContent = `${p.severity === "error" ? "Error" : "Warning"} on ${name}: ${p.message}`;
    button.disabled = !where;
    button.addEventListener("click", () => this.select(p.element_id));
    const source = document.createElement("span");
    source.className = "editor-problems__source";
    source.textContent = ` (${p.source}${p.line ? `, line ${p.line} of the saved file` : ""})`;
    li.append(button, source);
    return li;
  }

  select(id) {
    const element = this.modeler.get("elementRegistry").get(id);
    if (!element) return;
    this.modeler.get("selection").select(element);
    this.modeler.get("canvas").scrollToElement(element);
    this.modeler.get("canvas").getContainer().scrollIntoView({ block: "nearest" });
  }

  get errors() {
    return this.server.filter((p) => p.severity === "error");
  }
}

function count(problems) {
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  return `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

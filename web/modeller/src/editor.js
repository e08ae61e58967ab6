// The process editor: bpmn-js's Modeler with the Camunda 7 properties panel (forms, conditions, timers,
// assignees, documentation, extension properties) and bpmnlint, wired to the server's drafts, checks and deploy.
import Modeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import CamundaBehaviorsModule from "camunda-bpmn-js-behaviors/lib/camunda-platform";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import lintModule from "bpmn-js-bpmnlint";
import lintConfig from "bpmnlint-config";
import { get, post } from "./api.js";
import { Problems } from "./problems.js";
import { showComparison, showDraft } from "./compare.js";

const root = document.getElementById("process-editor");
const urls = root.dataset;
const $ = (id) => document.getElementById(id);

const modeler = new Modeler({
  container: $("editor-canvas"),
  propertiesPanel: { parent: $("editor-properties") },
  linting: { bpmnlint: lintConfig, active: true },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule,
                      CamundaBehaviorsModule, lintModule],
  moddleExtensions: { camunda: camundaModdle },
});
const problems = new Problems(modeler, $("editor-problem-list"), $("editor-problem-summary"));
let deployed = { xml: null, version: null };
let staged = null; // the draft compared and ready to deploy: {sha256, version}
let unsaved = false;

function say(text, kind = "info") {
  const status = $("editor-status");
  status.textContent = text;
  status.className = `govuk-body editor-status editor-status--${kind}`;
}

async function xml() {
  return (await modeler.saveXML({ format: true })).xml;
}

// Each button says what it is doing while the server works, and a failure is shown, never swallowed.
function action(id, work) {
  $(id).addEventListener("click", async () => {
    const buttons = root.querySelectorAll(".editor-toolbar button, #editor-confirm-deploy");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await work();
    } catch (error) {
      say(error.message, "error");
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      refreshButtons();
    }
  });
}

function refreshButtons() {
  $("editor-discard").hidden = !root.dataset.hasDraft;
  $("editor-compare-button").disabled = !deployed.xml;
}

async function load() {
  const diagram = await get(urls.diagram);
  deployed = { xml: diagram.deployed_xml, version: diagram.deployed_version };
  root.dataset.hasDraft = diagram.source === "draft" ? "yes" : "";
  await modeler.importXML(diagram.xml);
  readable(modeler.get("canvas"));
  unsaved = false;
  say(diagram.source === "draft"
    ? `Your draft, saved ${diagram.saved_at}. Caseworkers still use version ${diagram.deployed_version ?? "none"}.`
    : `Version ${diagram.deployed_version}, as deployed. Changes stay yours until you save a draft and deploy it.`);
  refreshButtons();
}

// A whole library diagram fitted to the canvas is too small to read: keep names legible, from the top left.
function readable(canvas) {
  canvas.zoom("fit-viewport");
  if (canvas.viewbox().scale < 0.7) canvas.zoom(0.7, { x: 0, y: 0 }); // around the container's top left
  canvas.scroll({ dx: 60, dy: 0 }); // clear of the palette
}

modeler.on("commandStack.changed", () => {
  unsaved = true;
  staged = null;
  $("editor-compare").hidden = true;
  say("Unsaved changes: save a draft to keep them.");
});

action("editor-check", async () => {
  say("Checking…");
  const found = await post(urls.check, { xml: await xml() });
  problems.setServer(found.problems);
  say(found.problems.length ? `bpmnrun check: ${found.summary}` : "bpmnrun check: no problems.",
    problems.errors.length ? "error" : "success");
});

async function saveDraft() {
  const saved = await post(urls.draft, { xml: await xml() });
  root.dataset.hasDraft = "yes";
  unsaved = false;
  problems.setServer(saved.problems);
  return saved;
}

action("editor-save", async () => {
  say("Saving…");
  const saved = await saveDraft();
  say(`Draft saved ${saved.saved_at}. ${saved.problems.length ? `bpmnrun check: ${saved.summary}` : "bpmnrun check: no problems."}`,
    problems.errors.length ? "error" : "success");
});

action("editor-discard", async () => {
  if (!window.confirm("Discard your draft? Your changes since the deployed version are lost.")) return;
  await post(urls.discard);
  problems.setServer([]);
  problems.checked = false;
  $("editor-compare").hidden = true;
  await load();
  say("Draft discarded: showing the deployed version.", "success");
});

async function compare() {
  say("Saving your draft and comparing…");
  const saved = await saveDraft();
  const impact = await post(urls.impact, { sha256: saved.sha256 });
  $("editor-compare").hidden = false;
  $("compare-old-title").textContent = deployed.xml ? `Deployed: version ${deployed.version}` : "Not deployed yet";
  $("compare-new-title").textContent = "Your draft";
  if (deployed.xml) {
    const counts = await showComparison($("compare-old"), $("compare-new"), deployed.xml, await xml());
    $("compare-counts").textContent = `${counts["diff-added"]} added, ${counts["diff-removed"]} removed, `
      + `${counts["diff-changed"]} changed, ${counts["diff-layout"]} moved`;
  } else {
    await showDraft($("compare-old"), $("compare-new"), await xml());
    $("compare-counts").textContent = "A new process: everything in it is new.";
  }
  $("compare-impact").innerHTML = impact.html; // rendered by the server's template, names escaped there
  staged = impact.deployable ? { sha256: saved.sha256, version: impact.to_version } : null;
  $("editor-confirm-deploy").hidden = !staged;
  if (staged) $("editor-confirm-deploy").textContent = `Deploy version ${staged.version}`;
  $("editor-compare").scrollIntoView();
  say(staged ? `Compared. Deploying makes version ${staged.version}: confirm below.`
    : "Compared. Fix the errors before deploying.", staged ? "success" : "error");
}

action("editor-compare-button", compare);
action("editor-deploy", compare);

action("editor-confirm-deploy", async () => {
  if (!staged) return;
  say("Deploying…");
  const done = await post(urls.deploy, { sha256: staged.sha256 });
  staged = null;
  $("editor-compare").hidden = true; // it compared with a version that is no longer the newest
  await load();
  $("editor-caption").textContent = `${root.dataset.process}, deployed version ${done.version}`;
  say(done.message, "success");
  const link = document.createElement("a");
  link.className = "govuk-link";
  link.href = done.process_url;
  link.textContent = "See the process page";
  $("editor-status").append(" ", link);
});

window.addEventListener("beforeunload", (event) => {
  if (unsaved) event.preventDefault();
});

$("editor-toolbar").hidden = false;
load().catch((error) => say(`The diagram could not be opened: ${error.message}`, "error"));

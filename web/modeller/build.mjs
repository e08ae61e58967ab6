// Bundles the process editor (bpmn-js and its plugins, from npm) into web/static/modeller/ with esbuild.
// Run by the Makefile's assets rule and by setup.py when a wheel is built; the output is never committed.
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const require = createRequire(import.meta.url);
const compileConfig = require("bpmnlint/lib/support/compile-config");
const here = dirname(fileURLToPath(import.meta.url));
const generated = resolve(here, "build");
const out = resolve(here, "..", "static", "modeller");

// bpmnlint finds its rules with require() at run time; a browser bundle needs them compiled into a module.
await mkdir(generated, { recursive: true });
await writeFile(resolve(generated, "bpmnlintrc.js"), await compileConfig({ extends: "bpmnlint:recommended" }));

await build({
  entryPoints: { editor: resolve(here, "src", "editor.js"), "editor-styles": resolve(here, "src", "styles.css") },
  outdir: out,
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  alias: { "bpmnlint-config": resolve(generated, "bpmnlintrc.js") },
  // bpmn-js's icon font is served as files: the pages' CSP allows fonts from 'self' only, not data: URIs.
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".svg": "file" },
  assetNames: "[name]-[hash]",
  legalComments: "linked",
  logLevel: "warning",
});
console.log(`process editor bundled into ${out}`);

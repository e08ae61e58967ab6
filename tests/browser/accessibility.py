"""Accessibility checks for a page open in Chromium: axe-core against WCAG 2.1 A and AA, and reflow (WCAG 1.4.10:
at 320 CSS px, here a 375 px phone, nothing but a wide table or diagram's own scroll region may scroll sideways).

axe-core comes from npm (web/package.json's devDependencies, installed in web/node_modules). Its script is
evaluated through the DevTools protocol, which the pages' strict CSP does not govern: the pages are checked as
they really run, CSP and all.

Set BPMNRUN_SCREENSHOTS to a folder to keep a screenshot of every page checked (to look the pages over by eye).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
SLICE = 1400  # px of page per screenshot
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Rules whose findings axe leaves "to review" but that are failures on these pages all the same: an id given
# twice, where a label's `for` or an ARIA reference points at it, names the wrong element (WCAG 4.1.2).
FAILS_ON_REVIEW = ("duplicate-id-aria",)
_RUN = """async ([tags, review]) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations", "incomplete"], elementRef: true});
  const failed = result.violations.concat(result.incomplete.filter(v => review.includes(v.id)));
  // An element is named by its id where it has one (axe's own selectors avoid an id given twice).
  const name = n => n.element && n.element.id ? "#" + n.element.id : n.target.join(" ");
  return failed.map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(name)}));
}"""
_OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll("body *")].filter(e => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 && !e.closest(".bpmnrun-scroll, .bpmnrun-diagram, .bpmnrun-compare");
  });
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
          widest: wide.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
                                            (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\\s+/).join(".") : "") +
                                            " (right edge " + Math.round(e.getBoundingClientRect().right) + " px)")};
}"""


@lru_cache(maxsize=1)
def _axe_source() -> str:
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run `npm install` in web/ (axe-core is a devDependency)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now, one line each: rule, help, elements."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    found = page.evaluate(_RUN, [WCAG_21_AA, list(FAILS_ON_REVIEW)])
    return [f"{v['id']} ({v['impact']}): {v['help']} – {', '.join(v['targets'][:5])}"
            + (f" and {len(v['targets']) - 5} more" if len(v["targets"]) > 5 else "")
            for v in found]


def overflow(page) -> str | None:
    """None when the page does not scroll sideways; else its width and the elements that stick out."""
    seen = page.evaluate(_OVERFLOW)
    if seen["scrollWidth"] <= seen["innerWidth"]:
        return None
    return (f"{seen['scrollWidth']} px wide at {seen['innerWidth']} px; sticking out: "
            + ("; ".join(seen["widest"]) or "nothing visible"))


def check_page(page, what: str = "") -> None:
    """Assert the page open now has no axe violation and, on a narrow screen, no sideways scroll."""
    where = what or page.url
    _keep_screenshot(page, where)
    violations = axe_violations(page)
    assert not violations, f"axe on {where}:\n  " + "\n  ".join(violations)
    if page.viewport_size and page.viewport_size["width"] < 640:
        wide = overflow(page)
        assert wide is None, f"{where} scrolls sideways: {wide}"


def _keep_screenshot(page, what: str) -> None:
    folder = os.environ.get("BPMNRUN_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{width}-{what}")[:150]
    height = page.evaluate("() => document.documentElement.scrollHeight")
    # In slices a screen and a half high: a whole long page shrinks to an unreadable strip in an image viewer.
    for n, top in enumerate(range(0, min(height, SLICE * 8), SLICE)):
        # A generous timeout: these pictures are for looking at, and the comparison page takes long to paint.
        page.screenshot(path=str(Path(folder) / f"{stem}-{n}.png"), full_page=True, timeout=60_000,
                        clip={"x": 0, "y": top, "width": width, "height": min(SLICE, height - top)})

"""Where the web app's files are: the checkout's `web/` folder (templates, our static files, and GOV.UK
Frontend installed there by npm), or, in an installed wheel, the copies packed under `bpmnrun/web/site/`
(see setup.py). `BPMNRUN_WEB_DIR` points elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

PACKED = Path(__file__).resolve().parent / "site"
CHECKOUT = Path(__file__).resolve().parents[3] / "web"
GOVUK_IN_NPM = Path("node_modules") / "govuk-frontend" / "dist" / "govuk"


def web_dir() -> Path:
    if os.environ.get("BPMNRUN_WEB_DIR"):
        return Path(os.environ["BPMNRUN_WEB_DIR"])
    return CHECKOUT if (CHECKOUT / "templates").is_dir() else PACKED


def govuk_dist(web: Path) -> Path:
    """GOV.UK Frontend's compiled files: from npm's folder in a checkout, packed beside the templates in a wheel."""
    installed = web / GOVUK_IN_NPM
    return installed if installed.is_dir() else web / "govuk"

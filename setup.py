"""Building a wheel also packs the web app's files: its templates and static files, GOV.UK Frontend's compiled
assets (installed from npm at build time, never committed) and the process library, so that
`pip install bpmnrun-*.whl` gives a working `bpmnrun serve`. Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
GOVUK = Path("node_modules") / "govuk-frontend" / "dist" / "govuk"


class BuildWithWebFiles(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install serves the checkout's own web/ folder
        site = Path(self.build_lib) / "bpmnrun" / "web" / "site"
        web = HERE / "web"
        if not (web / GOVUK).is_dir():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=web, check=True)
        for source, target in ((web / "templates", "templates"), (web / "static", "static"),
                               (web / GOVUK / "assets", "govuk/assets"), (HERE / "bpmn", "bpmn")):
            shutil.copytree(source, site / target, dirs_exist_ok=True)
        for served in ("govuk-frontend.min.css", "govuk-frontend.min.js"):  # what the app serves of the rest
            shutil.copy2(web / GOVUK / served, site / "govuk" / served)


setup(cmdclass={"build_py": BuildWithWebFiles})

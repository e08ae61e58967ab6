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
        package = Path(self.build_lib) / "bpmnrun"
        site, web = package / "web" / "site", HERE / "web"
        if not (web / GOVUK).is_dir():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=web, check=True)
        # The process editor's bundle (web/modeller/build.mjs), rebuilt so the wheel carries its current source.
        subprocess.run(["node", str(Path("modeller") / "build.mjs")], cwd=web, check=True)
        for source, target in ((web / "templates", site / "templates"), (web / "static", site / "static"),
                               (web / GOVUK / "assets", site / "govuk" / "assets"),
                               (HERE / "bpmn", package / "library" / "packaged_bpmn")):
            shutil.copytree(source, target, dirs_exist_ok=True)
        for served in ("govuk-frontend.min.css", "govuk-frontend.min.js"):  # what the app serves of the rest
            shutil.copy2(web / GOVUK / served, site / "govuk" / served)


setup(cmdclass={"build_py": BuildWithWebFiles})

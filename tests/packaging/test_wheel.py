"""The built wheel is a working bpmnrun: installed in a fresh virtual environment outside the repository, its
`bpmnrun serve` serves the sign-in page and GOV.UK Frontend's stylesheet from the files the wheel carries."""

from __future__ import annotations

import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, until: float) -> tuple[int, str, bytes]:
    """The server takes a moment to start: ask again until it answers or the deadline passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.headers.get("Content-Type", ""), response.read()
        except (ConnectionError, urllib.error.URLError):
            if time.monotonic() > until:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with only the wheel installed in it; the dependencies are borrowed from this venv's
    site-packages by a .pth path (its own .pth files, such as the editable install's, are not processed)."""
    where = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(where / "dist"), str(REPO)],
                   check=True, cwd=where)
    wheel = next((where / "dist").glob("bpmnrun-*.whl"))
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                    "--no-deps", str(wheel)], check=True)
    return venv


def test_the_installed_wheel_serves_a_page_and_its_stylesheet(installed, tmp_path):
    port = _free_port()
    server = subprocess.Popen([str(installed / "bin" / "bpmnrun"), "--db", f"sqlite:///{tmp_path / 'x.sqlite'}",
                               "serve", "--port", str(port), "--no-timers"],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        status, kind, page = _get(f"http://127.0.0.1:{port}/sign-in", time.monotonic() + 60)
        assert status == 200 and b"Sign in" in page and b"/govuk/govuk-frontend.min.css" in page
        status, kind, css = _get(f"http://127.0.0.1:{port}/govuk/govuk-frontend.min.css", time.monotonic() + 10)
        assert status == 200 and kind.startswith("text/css") and len(css) > 50_000
        status, kind, font = _get(f"http://127.0.0.1:{port}/assets/images/favicon.svg", time.monotonic() + 10)
        assert status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import bpmnrun; print(bpmnrun.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert str(REPO) not in where  # the wheel's own copy, not the checkout

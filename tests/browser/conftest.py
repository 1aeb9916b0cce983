"""Fixtures for the browser test: JupyterLab started as `make lab` starts it, and Chromium.

The browser test is not part of `make test`: `tests/conftest.py` leaves this folder out
of plain `pytest` runs, and `make test-browser` (or `pytest tests/browser`) runs it. It
needs Chromium and the `playwright` package; when either is missing the test FAILS and
says what to install, it is never skipped.

Environment variables:

- `CHROMIUM`: the browser binary (default: the first of `chromium`, `chromium-browser`,
  `google-chrome` on PATH). Playwright drives it; its own browser downloads are not used.
- `COURSE_BROWSER_NOTEBOOK_DIR`: the folder JupyterLab serves (default: `notebooks`).
- `COURSE_BROWSER_TIMEOUT`: seconds allowed for one notebook's "Run All" (default 900).
- `COURSE_BROWSER_HEADED=1`: show the browser window (needs a display).

Screenshots, the JupyterLab log and the browser console go to `build/browser/`.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from course_lib.paths import build_dir, project_root

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")
INSTALL_HINT = (
    "`make test-browser` installs both (Chromium with apt-get when run as root). By hand: "
    "`sudo apt-get install chromium` (Debian/Ubuntu) and `.venv/bin/python -m pip install -e '.[browser]'`."
)
# JupyterLab settings for the test only (JupyterLab reads them from JUPYTERLAB_SETTINGS_DIR):
# no autosave, so running the notebooks never writes outputs into the committed files;
# no "Would you like to get notified about official Jupyter news?" box over the screenshots.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}
SERVER_START_TIMEOUT_S = 180
# The notebooks the test opens: setup, the first lesson, and the capstone with its widget.
NOTEBOOK_PREFIXES = ("00_", "01_", "09_")


class LabServer:
    """A running JupyterLab: its URL, token, notebook folder and REST helpers."""

    def __init__(self, base_url, token, notebook_dir, log_path):
        self.base_url = base_url
        self.token = token
        self.notebook_dir = notebook_dir
        self.log_path = log_path

    def url(self, path):
        return f"{self.base_url}/{path.lstrip('/')}"

    def api(self, path, method="GET"):
        """Calls the Jupyter Server REST API and returns the decoded JSON (None when empty)."""
        request = urllib.request.Request(
            self.url(path), method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels_of(self, notebook_name):
        """Deletes the sessions (and so the kernels) of one notebook, to free its memory."""
        for session in self.api("api/sessions"):
            if Path(session.get("path", "")).name == notebook_name:
                self.api(f"api/sessions/{session['id']}", method="DELETE")


def _notebook_dir():
    return Path(os.environ.get("COURSE_BROWSER_NOTEBOOK_DIR", project_root() / "notebooks")).resolve()


def pytest_generate_tests(metafunc):
    """Parametrizes `notebook_name` with the one notebook of each prefix in the served folder."""
    if "notebook_name" not in metafunc.fixturenames:
        return
    names = []
    for prefix in NOTEBOOK_PREFIXES:
        found = sorted(path.name for path in _notebook_dir().glob(f"{prefix}*.ipynb"))
        if len(found) != 1:
            raise ValueError(f"expected one notebook {prefix}*.ipynb in {_notebook_dir()}; found {found}")
        names.append(found[0])
    metafunc.parametrize("notebook_name", names)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def artefact_dir():
    """`build/browser/`, emptied of the previous run's screenshots."""
    folder = build_dir() / "browser"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture(scope="session")
def chromium_path():
    override = os.environ.get("CHROMIUM")
    if override:
        if not shutil.which(override):
            pytest.fail(f"CHROMIUM={override!r} is not an executable. {INSTALL_HINT}", pytrace=False)
        return shutil.which(override)
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        f"The browser test needs Chromium; none of {', '.join(BROWSER_NAMES)} is on PATH. "
        f"{INSTALL_HINT} Or set CHROMIUM=/path/to/chrome.",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            f"The browser test needs the `playwright` Python package in {sys.prefix}. {INSTALL_HINT}", pytrace=False
        )
    with sync_playwright() as playwright:
        # Playwright runs Chromium without its sandbox by default, which root needs.
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, headless=os.environ.get("COURSE_BROWSER_HEADED") != "1"
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def lab(artefact_dir, tmp_path_factory):
    """JupyterLab on 127.0.0.1, started like `make lab`, with its own settings and workspaces."""
    notebook_dir = _notebook_dir()
    if not notebook_dir.is_dir():
        pytest.fail(f"COURSE_BROWSER_NOTEBOOK_DIR={str(notebook_dir)!r} is not a folder.", pytrace=False)
    user_dir = tmp_path_factory.mktemp("jupyterlab-user")
    for relative, settings in LAB_SETTINGS.items():
        path = user_dir / "settings" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(user_dir / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(user_dir / "workspaces"),
    )
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # as the Makefile exports it for `make lab`

    port, token = _free_port(), secrets.token_hex(24)
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--notebook-dir={notebook_dir}",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log_path = artefact_dir / "jupyterlab.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=project_root())
    server = LabServer(f"http://127.0.0.1:{port}", token, notebook_dir, log_path)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited with code {process.returncode} while starting:\n{log_path.read_text()[-3000:]}",
                    pytrace=False,
                )
            try:
                server.api("api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"JupyterLab did not answer within {SERVER_START_TIMEOUT_S} s; its log is {log_path}.",
                        pytrace=False,
                    )
                time.sleep(0.5)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

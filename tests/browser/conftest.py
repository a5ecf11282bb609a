"""Fixtures for the browser tests: private Jupyter servers and headless Chromium.

Each server (JupyterLab or Voila) is started by the Python that runs the
tests, on 127.0.0.1, on a free port, with a random token, and with all of
Jupyter's configuration, data, runtime and settings directories pointing into
a temporary folder, so that nothing outside the test's own files is read or
written. Servers are started in their own process group and always stopped,
together with the kernels they started, when the fixture ends.

The tests skip with a reason when Playwright or Chromium is missing. Set
``NNPLAY_CHROMIUM`` to use a Chromium other than the one found on ``PATH``,
and ``NNPLAY_SCREENSHOTS`` to a folder to keep the screenshots the tests take.
"""

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_SECONDS = 60


def pytest_collection_modifyitems(items):
    """Mark every test in this folder as a browser test."""
    folder = Path(__file__).parent
    for item in items:
        if folder in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def find_chromium():
    """Return the path of a Chromium executable, or None."""
    configured = os.environ.get("NNPLAY_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def private_jupyter_environment(scratch):
    """Return environment variables that keep Jupyter inside ``scratch``.

    JupyterLab's settings turn off autosave (the notebooks in the repository
    must stay without outputs), news and update checks, and the windowed
    notebook view, so that every cell is in the page.
    """
    folders = {
        "JUPYTER_CONFIG_DIR": scratch / "config",
        "JUPYTER_DATA_DIR": scratch / "data",
        "JUPYTER_RUNTIME_DIR": scratch / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": scratch / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": scratch / "lab-workspaces",
        "IPYTHONDIR": scratch / "ipython",
        "MPLCONFIGDIR": scratch / "matplotlib",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)

    settings = {
        "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }
    for plugin, values in settings.items():
        path = folders["JUPYTERLAB_SETTINGS_DIR"] / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))

    environment = dict(os.environ)
    environment.update({name: str(folder) for name, folder in folders.items()})
    environment["PYTHONUNBUFFERED"] = "1"
    for name in ("JUPYTER_TOKEN", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
        environment.pop(name, None)
    return environment


class JupyterServer:
    """A JupyterLab or Voila server run by the tests, stopped with its kernels."""

    def __init__(self, kind, arguments, cwd, scratch, ready_path):
        self.kind = kind
        self.token = secrets.token_hex(24)
        self.port = free_port()
        self.cwd = cwd
        self.scratch = scratch
        self.ready_path = ready_path
        self.log_path = scratch / f"{kind}.log"
        self.command = [
            argument.format(port=self.port, token=self.token) for argument in arguments
        ]
        self.process = None
        self.children = set()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        """Start the server and wait until it answers."""
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=private_jupyter_environment(self.scratch),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} exited with code {self.process.returncode}:\n"
                    f"{self.log_tail()}"
                )
            if self.request("GET", self.ready_path) == 200:
                return
            time.sleep(0.3)
        raise RuntimeError(
            f"{self.kind} did not answer within {SERVER_START_SECONDS} s:\n"
            f"{self.log_tail()}"
        )

    def request(self, method, path):
        """Send an authorised request; return the status, or None if it failed."""
        return self.fetch(method, path)[0]

    def fetch(self, method, path):
        """Send an authorised request; return ``(status, body)`` or ``(None, b"")``."""
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            connection.request(
                method, path, headers={"Authorization": f"token {self.token}"}
            )
            response = connection.getresponse()
            status, body = response.status, response.read()
            connection.close()
        except OSError:
            return None, b""
        return status, body

    def shut_down_sessions(self):
        """End every notebook session (and its kernel) the server is running."""
        status, body = self.fetch("GET", "/api/sessions")
        if status != 200:
            return
        for session in json.loads(body):
            self.request("DELETE", f"/api/sessions/{session['id']}")

    def log_text(self):
        return self.log_path.read_text(errors="replace").replace(self.token, "<token>")

    def log_tail(self, lines=30):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def remember_children(self):
        """Note the server's child processes (its kernels) so that stop ends them."""
        psutil = pytest.importorskip("psutil")
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(self.process.pid).children(recursive=True):
                self.children.add(child)

    def stop(self):
        """Stop the server, then any kernel of it that is still running."""
        psutil = pytest.importorskip("psutil")
        if self.process is None:
            return
        self.remember_children()

        if self.kind == "lab" and self.process.poll() is None:
            self.request("POST", "/api/shutdown")
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

        # Kernels run in sessions of their own, so the group signal misses them.
        left = [child for child in self.children if child.is_running()]
        for child in left:
            with contextlib.suppress(psutil.Error):
                child.terminate()
        _, alive = psutil.wait_procs(left, timeout=5)
        for child in alive:
            with contextlib.suppress(psutil.Error):
                child.kill()
        psutil.wait_procs(alive, timeout=5)
        self.process = None


@pytest.fixture(scope="session")
def chromium_path():
    path = find_chromium()
    if path is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def browser(chromium_path):
    """Headless Chromium, for one test module.

    Playwright's synchronous API keeps an asyncio event loop running while it
    is open; ending it with the module keeps that loop away from the tests of
    other modules, which may look for a running loop.
    """
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed"
    )
    pytest.importorskip("psutil", reason="psutil is not installed")

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser page in a context of its own."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def watcher(page):
    """What the page's console and its kernel connections report."""
    return PageWatcher(page)


def _require(module):
    pytest.importorskip(module, reason=f"{module} is not installed")


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """JupyterLab serving the repository, for the whole test module."""
    _require("jupyterlab")
    scratch = tmp_path_factory.mktemp("jupyterlab")
    arguments = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={REPOSITORY}",
        "--ServerApp.terminals_enabled=False",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        arguments.append("--allow-root")
    server = JupyterServer("lab", arguments, REPOSITORY, scratch, "/api/status")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def voila_server(tmp_path_factory):
    """Return a function that starts Voila on one notebook; stopped at the end."""
    _require("voila")
    servers = []

    def start(notebook):
        scratch = tmp_path_factory.mktemp("voila")
        arguments = [
            sys.executable,
            "-m",
            "voila",
            str(notebook),
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            "--port={port}",
            "--Voila.port_retries=0",
            "--token={token}",
            "--show_tracebacks=True",
        ]
        server = JupyterServer(
            "voila", arguments, notebook.parent, scratch, "/voila/static/voila.js"
        )
        servers.append(server)
        server.start()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


# -- watching the page --------------------------------------------------------------

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def decode_kernel_frame(payload):
    """Return ``(msg_type, parent msg_type, content)`` of a kernel websocket frame.

    Text frames are JSON messages. Binary frames are either the
    ``v1.kernel.websocket.jupyter.org`` protocol (a little-endian count of
    offsets, then channel, header, parent header, metadata, content, buffers)
    or the older layout of a JSON message followed by buffers (big-endian
    offsets). Returns None for anything else.
    """
    if isinstance(payload, str):
        message = json.loads(payload)
        if "header" not in message:
            return None
        header, parent, content = (
            message["header"],
            message.get("parent_header") or {},
            message.get("content") or {},
        )
        return header.get("msg_type"), parent.get("msg_type"), content

    data = bytes(payload)
    count = int.from_bytes(data[:8], "little")
    if 2 <= count < 1024:
        offsets = [
            int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little")
            for i in range(count)
        ]
        parts = [data[offsets[i] : offsets[i + 1]] for i in range(count - 1)]
        parts.append(data[offsets[-1] :])
        header = json.loads(parts[1])
        parent = json.loads(parts[2] or b"{}")
        content = json.loads(parts[4] or b"{}")
        return header.get("msg_type"), parent.get("msg_type"), content

    buffers = int.from_bytes(data[:4], "big")
    first_end = int.from_bytes(data[8:12], "big") if buffers > 1 else len(data)
    start = int.from_bytes(data[4:8], "big")
    message = json.loads(data[start:first_end])
    return (
        message["header"].get("msg_type"),
        (message.get("parent_header") or {}).get("msg_type"),
        message.get("content") or {},
    )


class PageWatcher:
    """Collects console errors, page errors and kernel errors seen by a page."""

    def __init__(self, page):
        self.console_errors = []
        self.kernel_errors = []
        self.kernel_states = []
        self.executions_requested = 0
        self.executions_replied = 0
        self.undecoded_frames = 0
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("websocket", self._websocket)

    def _console(self, message):
        if message.type == "error":
            where = (message.location or {}).get("url", "")
            self.console_errors.append(f"{message.text} [{where}]")

    def _websocket(self, socket):
        if "/api/kernels/" not in socket.url:
            return
        socket.on("framereceived", self._received)
        socket.on("framesent", self._sent)

    def _decode(self, payload):
        try:
            return decode_kernel_frame(payload)
        except (ValueError, KeyError, IndexError, UnicodeDecodeError):
            self.undecoded_frames += 1
            return None

    def _sent(self, payload):
        decoded = self._decode(payload)
        if decoded and decoded[0] == "execute_request":
            self.executions_requested += 1

    def _received(self, payload):
        decoded = self._decode(payload)
        if decoded is None:
            return
        kind, parent_kind, content = decoded

        if kind == "status":
            self.kernel_states.append(content.get("execution_state"))
        elif kind == "execute_reply":
            self.executions_replied += 1
            if content.get("status") == "error":
                self.kernel_errors.append(
                    f"cell: {content.get('ename')}: {content.get('evalue')}"
                )
        elif kind == "error":
            self.kernel_errors.append(
                f"{parent_kind}: {content.get('ename')}: {content.get('evalue')}"
            )
        elif kind == "stream" and content.get("name") == "stderr":
            text = ANSI_ESCAPE.sub("", content.get("text", ""))
            if "Traceback" in text:
                self.kernel_errors.append(f"{parent_kind} stderr: {text[-1500:]}")

    @property
    def kernel_idle(self):
        return bool(self.kernel_states) and self.kernel_states[-1] == "idle"

"""``make lab`` (helpers.lab): the address it prints, JupyterLab's settings, and a clean stop.

Most tests run ``python -m helpers.lab`` with tests/fake_jupyterlab.py standing in for
JupyterLab; one starts the real JupyterLab to check what the fake cannot (its settings).
"""

from __future__ import annotations

import json
import queue
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from helpers import lab
from helpers.local_cloud.clock import FakeClock

ROOT = Path(__file__).resolve().parents[1]
FAKE_JUPYTERLAB = [sys.executable, str(Path(__file__).with_name("fake_jupyterlab.py")),
                   "--port", "{port}", "--token", "{token}"]
LINE_TIMEOUT_S = 120  # only reached when something is broken

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; signals are POSIX")


@pytest.fixture
def jupyter_dirs(tmp_path, monkeypatch) -> Path:
    """Jupyter's runtime, config and settings folders, private to the test."""
    for variable, folder in (("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_CONFIG_DIR", "config"),
                             ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                             ("JUPYTERLAB_WORKSPACES_DIR", "workspaces")):
        monkeypatch.setenv(variable, str(tmp_path / folder))
    return tmp_path / "runtime"


class Lab:
    """``python -m helpers.lab`` running in a child process, its output read line by line."""

    def __init__(self, *arguments: str, jupyter: list[str] | None = FAKE_JUPYTERLAB):
        command = [sys.executable, "-m", "helpers.lab", "--cloud-port", "0", *arguments]
        if jupyter is not None:
            command += ["--jupyter-command", json.dumps(jupyter)]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def line_starting(self, prefix: str) -> str:
        while True:
            line = self.lines.get(timeout=LINE_TIMEOUT_S)
            if line.startswith(prefix):
                return line

    def started(self) -> tuple[str, str, list[int]]:
        """(cloud endpoint, JupyterLab URL, the processes running under `make lab`)."""
        cloud = self.line_starting("Local cloud: ").split()[2]
        url = self.line_starting("Open JupyterLab: ").split()[-1]
        return cloud, url, descendants(self.process.pid)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=60)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def run_lab(jupyter_dirs):
    started: list[Lab] = []

    def run(*arguments, **options) -> Lab:
        started.append(Lab(*arguments, **options))
        return started[-1]

    yield run
    for running in started:
        running.close()


def descendants(pid: int) -> list[int]:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its exit status is left


def refuses_connections(endpoint: str) -> bool:
    host, port = endpoint.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return True
    return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- The address it prints ---


def test_the_address_is_printed_once_jupyterlab_answers_and_opens_the_welcome_notebook(run_lab):
    port = free_port()
    _, url, _ = run_lab("--lab-port", str(port)).started()
    base, token = url.split("lab/tree/00_welcome.ipynb?token=")
    assert base == f"http://127.0.0.1:{port}/"
    status = urllib.request.Request(f"{base}api/status", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(status, timeout=10) as response:
        assert response.status == 200
    assert (lab.NOTEBOOKS / lab.FIRST_NOTEBOOK).exists()


def test_a_busy_port_prints_the_port_jupyterlab_really_took(run_lab):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        running = run_lab("--lab-port", str(port))
        _, url, _ = running.started()
    assert not url.startswith(f"http://127.0.0.1:{port}/")
    assert int(url.split(":")[2].split("/")[0]) > port


def test_jupyterlab_exiting_early_is_reported_and_the_cloud_stops(run_lab):
    running = run_lab(jupyter=[*FAKE_JUPYTERLAB, "--exit-code", "3"])
    cloud = running.line_starting("Local cloud: ").split()[2]
    assert running.process.wait(timeout=60) == 1
    assert "JupyterLab exited with code 3" in running.process.stderr.read()
    assert refuses_connections(cloud)


# --- A clean stop ---


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_a_signal_stops_jupyterlab_and_the_cloud_and_leaves_no_process(run_lab, jupyter_dirs,
                                                                       sig):
    running = run_lab("--lab-port", str(free_port()))
    cloud, _, processes = running.started()
    assert processes  # the stand-in JupyterLab
    assert running.stop(sig) == 0
    assert not [pid for pid in processes if alive(pid)]
    assert refuses_connections(cloud)
    assert list(jupyter_dirs.glob("jpserver-*.json")) == []  # JupyterLab stopped cleanly


def test_a_jupyterlab_that_ignores_sigterm_is_killed(tmp_path, jupyter_dirs):
    jupyter = subprocess.Popen([part.format(port=free_port(), token="t")
                                for part in [*FAKE_JUPYTERLAB, "--ignore-sigterm"]])
    try:
        lab.wait_until_answering(jupyter, "t", jupyter_dirs)
        lab.stop_jupyter(jupyter, grace=0.2)
        assert jupyter.returncode == -signal.SIGKILL
    finally:
        if jupyter.poll() is None:
            jupyter.kill()


# --- Waiting, without waiting ---


class FakeProcess:
    def __init__(self, returncode=None):
        self.returncode = returncode

    def poll(self):
        return self.returncode


def test_waiting_stops_when_jupyterlab_exits(tmp_path):
    with pytest.raises(lab.JupyterLabFailed, match="exited with code 1"):
        lab.wait_until_answering(FakeProcess(returncode=1), "t", tmp_path, FakeClock())


def test_waiting_gives_up_after_the_timeout(tmp_path):
    clock = FakeClock()
    with pytest.raises(lab.JupyterLabFailed, match="did not answer within 30 s"):
        lab.wait_until_answering(FakeProcess(), "t", tmp_path, clock, timeout=30)
    assert sum(clock.slept) == pytest.approx(30, abs=lab.POLL_INTERVAL_S)


def test_the_runtime_file_with_our_token_gives_the_address(tmp_path):
    (tmp_path / "jpserver-1.json").write_text(json.dumps({"url": "http://127.0.0.1:8888/",
                                                         "token": "someone else's"}))
    (tmp_path / "jpserver-2.json").write_text("{half written")
    assert lab.server_url(tmp_path, "ours") is None
    (tmp_path / "jpserver-3.json").write_text(json.dumps({"url": "http://127.0.0.1:8889/",
                                                         "token": "ours"}))
    assert lab.server_url(tmp_path, "ours") == "http://127.0.0.1:8889/"


# --- JupyterLab's settings for the workbook ---


def test_the_news_prompt_is_off_with_a_value_the_setting_allows(tmp_path):
    lab.write_setting_defaults(tmp_path)
    written = json.loads((tmp_path / "labconfig" / "default_setting_overrides.json").read_text())
    [(plugin, settings)] = written.items()
    schema = lab_schema(plugin)
    allowed = {choice["const"] for choice in schema["properties"]["fetchNews"]["oneOf"]}
    assert settings == {"fetchNews": "false"} and "false" in allowed


def lab_schema(plugin: str) -> dict:
    import jupyterlab

    package, name = plugin.split(":")
    path = Path(jupyterlab.__file__).parent / "schemas" / package / f"{name}.json"
    return json.loads(path.read_text())


def test_real_jupyterlab_starts_with_news_off_and_stops_on_sigterm(run_lab, jupyter_dirs):
    running = run_lab("--lab-port", str(free_port()), jupyter=None)
    cloud, url, processes = running.started()
    base, token = url.split("lab/tree/00_welcome.ipynb?token=")
    settings_url = f"{base}lab/api/settings/@jupyterlab/apputils-extension:notification"
    request = urllib.request.Request(settings_url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        settings = json.load(response)
    assert settings["schema"]["properties"]["fetchNews"]["default"] == "false"
    with urllib.request.urlopen(url, timeout=30) as page:
        assert page.status == 200
    assert running.stop(signal.SIGTERM) == 0
    assert not [pid for pid in processes if alive(pid)]
    assert refuses_connections(cloud)
    assert list(jupyter_dirs.glob("jpserver-*.json")) == []


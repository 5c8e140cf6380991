"""``make lab``: the local cloud and JupyterLab, sharing one cloud across every kernel.

It prints JupyterLab's address once JupyterLab answers, with the port JupyterLab really took
(it moves on to the next one when the asked-for port is busy), and stops both JupyterLab and
the cloud on Ctrl-C, SIGTERM or a closed terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from .local_cloud import LocalCloud, PortInUseError
from .local_cloud.clock import REAL_CLOCK, Clock

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
FIRST_NOTEBOOK = "00_welcome.ipynb"
STARTUP_TIMEOUT_S = 120.0  # a first start on a slow laptop builds caches
POLL_INTERVAL_S = 0.2
STOP_GRACE_S = 15.0  # JupyterLab shuts its kernels down on SIGTERM; then it is killed
# JupyterLab's defaults for this workbook (a learner's own settings still win): no prompt
# asking to fetch Jupyter news from the internet, which this offline workbook never needs.
SETTING_DEFAULTS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class Stop(Exception):
    """A signal asked `make lab` to stop."""


class JupyterLabFailed(RuntimeError):
    """JupyterLab exited, or did not answer in time, before its address could be printed."""


def jupyter_command(port: int, token: str) -> list[str]:
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        f"--ServerApp.root_dir={NOTEBOOKS}", f"--ServerApp.port={port}",
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI run as root
    return command


def write_setting_defaults(config_dir: Path) -> None:
    """JupyterLab reads ``labconfig/default_setting_overrides.json`` in every Jupyter config
    directory (``JUPYTER_CONFIG_PATH`` adds ours) as defaults for its settings."""
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    (config_dir / "labconfig" / "default_setting_overrides.json").write_text(
        json.dumps(SETTING_DEFAULTS, indent=2))


def runtime_dir() -> Path:
    """Where Jupyter servers describe themselves (``jpserver-<pid>.json``)."""
    from jupyter_core.paths import jupyter_runtime_dir

    return Path(jupyter_runtime_dir())


def server_url(runtime: Path, token: str) -> str | None:
    """The base URL of the server started with `token`, from its runtime file, if written yet."""
    for info_file in runtime.glob("jpserver-*.json"):
        try:
            info = json.loads(info_file.read_text())
        except (OSError, ValueError):
            continue  # being written, or another server's, half-deleted
        if info.get("token") == token and info.get("url"):
            return info["url"] if info["url"].endswith("/") else info["url"] + "/"
    return None


def answers(base_url: str, token: str) -> bool:
    request = urllib.request.Request(f"{base_url}api/status",
                                     headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def wait_until_answering(jupyter: subprocess.Popen, token: str, runtime: Path,
                         clock: Clock = REAL_CLOCK, timeout: float = STARTUP_TIMEOUT_S) -> str:
    """Polls until the JupyterLab started with `token` answers; returns its base URL."""
    deadline = clock.monotonic() + timeout
    while True:
        if jupyter.poll() is not None:
            raise JupyterLabFailed(f"JupyterLab exited with code {jupyter.returncode} before it "
                                   "answered; its messages are above.")
        url = server_url(runtime, token)
        if url and answers(url, token):
            return url
        if clock.monotonic() >= deadline:
            raise JupyterLabFailed(f"JupyterLab did not answer within {timeout:.0f} s; its "
                                   "messages are above.")
        clock.sleep(POLL_INTERVAL_S)


def stop_jupyter(jupyter: subprocess.Popen | None, grace: float = STOP_GRACE_S) -> None:
    """SIGTERM (JupyterLab then stops its kernels), and SIGKILL if it is still there later."""
    if jupyter is None or jupyter.poll() is not None:
        return
    jupyter.terminate()
    try:
        jupyter.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        jupyter.kill()
        jupyter.wait()


def _stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def main(argv: list[str] | None = None, clock: Clock = REAL_CLOCK) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.lab")
    parser.add_argument("--cloud-port", type=int, default=4566)
    parser.add_argument("--lab-port", type=int, default=8888,
                        help="JupyterLab's port; if it is busy, JupyterLab takes the next free one")
    # For tests: a stand-in for JupyterLab, given as a JSON list; {port} and {token} are filled in.
    parser.add_argument("--jupyter-command", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not NOTEBOOKS.is_dir():
        print(f"error: {NOTEBOOKS} is missing: run python -m helpers.lab in the workbook's "
              "folder, the one holding notebooks/.", file=sys.stderr)
        return 2

    previous = {sig: signal.signal(sig, _stop) for sig in STOP_SIGNALS}
    cloud = jupyter = None
    config_dir = Path(tempfile.mkdtemp(prefix="workbook-lab-"))
    try:
        cloud = LocalCloud(port=args.cloud_port).start()
        print(f"Local cloud: {cloud.endpoint} (health: {cloud.endpoint}/_aws/health)", flush=True)
        token = secrets.token_hex(16)
        if args.jupyter_command:
            command = [part.format(port=args.lab_port, token=token)
                       for part in json.loads(args.jupyter_command)]
        else:
            command = jupyter_command(args.lab_port, token)
        write_setting_defaults(config_dir)
        config_path = [str(config_dir), os.environ.get("JUPYTER_CONFIG_PATH", "")]
        # Every kernel inherits AWS_ENDPOINT_URL: all notebooks share one cloud, as they would
        # one account. In a session of its own, JupyterLab does not get the terminal's Ctrl-C
        # (and does not stop to ask "Shutdown this Jupyter server?"): we stop it.
        env = {**os.environ, "AWS_ENDPOINT_URL": cloud.endpoint,
               "JUPYTER_CONFIG_PATH": os.pathsep.join(filter(None, config_path))}
        jupyter = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        base_url = wait_until_answering(jupyter, token, runtime_dir(), clock)
        if f":{args.lab_port}/" not in base_url:
            print(f"Port {args.lab_port} was busy; JupyterLab took the next free one.")
        print(f"Open JupyterLab: {base_url}lab/tree/{FIRST_NOTEBOOK}?token={token}")
        print("Ctrl-C to stop both.", flush=True)
        return jupyter.wait()
    except PortInUseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except JupyterLabFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Stop:
        return 0
    finally:
        for sig in STOP_SIGNALS:  # a second Ctrl-C must not cut the clean-up short
            signal.signal(sig, signal.SIG_IGN)
        stop_jupyter(jupyter)
        if cloud is not None:
            cloud.stop()
        shutil.rmtree(config_dir, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)

if __name__ == "__main__":
    sys.exit(main())

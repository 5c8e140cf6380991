"""``make lab``: the local cloud and JupyterLab, sharing one cloud across every kernel."""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

from .local_cloud import LocalCloud, PortInUseError

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.lab")
    parser.add_argument("--cloud-port", type=int, default=4566)
    parser.add_argument("--lab-port", type=int, default=8888)
    args = parser.parse_args(argv)
    try:
        cloud = LocalCloud(port=args.cloud_port).start()
    except PortInUseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    token = secrets.token_hex(16)
    # Every kernel inherits this, so all notebooks share one cloud, as they would one account.
    env = {**os.environ, "AWS_ENDPOINT_URL": cloud.endpoint}
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        f"--ServerApp.root_dir={NOTEBOOKS}", f"--ServerApp.port={args.lab_port}",
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI run as root
    print(f"Local cloud: {cloud.endpoint} (health: {cloud.endpoint}/_aws/health)")
    print(f"Open JupyterLab: http://127.0.0.1:{args.lab_port}/lab?token={token}", flush=True)
    print("Ctrl-C to stop both.", flush=True)
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        cloud.stop()


if __name__ == "__main__":
    sys.exit(main())

"""Run the local cloud in the foreground: ``python -m helpers.local_cloud [--port N]``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .lambda_runtime import containment
from .server import ACCOUNT_ID, REGION, SERVICES, LocalCloud, PortInUseError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.local_cloud", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    args = parser.parse_args(argv)
    try:
        cloud = LocalCloud(port=args.port).start()
    except PortInUseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Local cloud running at {cloud.endpoint}", flush=True)
    print(f"  account {ACCOUNT_ID}, region {REGION}; services: {', '.join(SERVICES)}")
    print(f"  use it with: export AWS_ENDPOINT_URL={cloud.endpoint}")
    print(f"  {containment.choose().describe()}")
    if not cloud.authorizer.enforce:
        print("  IAM: functions' calls are NOT checked against their roles "
              "(LOCAL_CLOUD_ENFORCE_IAM=0)")
    print("  Ctrl-C to stop.", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    cloud.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

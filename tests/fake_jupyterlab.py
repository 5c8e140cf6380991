"""A stand-in for JupyterLab in tests of helpers.lab, started as
``python fake_jupyterlab.py --port {port} --token {token} [--ignore-sigterm] [--exit-code N]``.

Like JupyterLab, it takes the next port when the asked-for one is busy, describes itself in
``$JUPYTER_RUNTIME_DIR/jpserver-<pid>.json``, logs its URL, answers ``/api/status`` to its token,
and on SIGTERM removes its runtime file and exits.
"""

import argparse
import http.server
import json
import os
import signal
import sys
from pathlib import Path


class Status(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the name http.server calls)
        authorised = self.headers.get("Authorization") == f"token {self.server.token}"
        self.send_response(200 if self.path == "/api/status" and authorised else 403)
        self.end_headers()

    def log_message(self, *args):
        pass


def bind(port: int) -> http.server.HTTPServer:
    for candidate in range(port, port + 50):  # JupyterLab's port_retries
        try:
            return http.server.HTTPServer(("127.0.0.1", candidate), Status)
        except OSError:
            continue
    raise SystemExit("no free port")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int)
    parser.add_argument("--token")
    parser.add_argument("--ignore-sigterm", action="store_true")
    parser.add_argument("--exit-code", type=int)
    args = parser.parse_args()
    if args.exit_code is not None:
        print("fake JupyterLab: failing on purpose", file=sys.stderr)
        sys.exit(args.exit_code)
    if args.ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = bind(args.port)
    server.token = args.token
    port = server.server_address[1]
    url = f"http://127.0.0.1:{port}/"
    info = Path(os.environ["JUPYTER_RUNTIME_DIR"]) / f"jpserver-{os.getpid()}.json"
    info.parent.mkdir(parents=True, exist_ok=True)
    info.write_text(json.dumps({"url": url, "port": port, "token": args.token,
                                "pid": os.getpid()}))
    print(f"[I ServerApp] {url}lab?token=...", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        info.unlink(missing_ok=True)


if __name__ == "__main__":
    main()

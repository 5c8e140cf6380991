"""Start one local cloud for the whole test run, in its own process.

nbval's notebook cells cannot use pytest fixtures, so the cloud starts in a session hook
and reaches every notebook kernel through AWS_ENDPOINT_URL, which kernels inherit.
It runs in a separate process because moto's state is global to a process: the examples'
own tests use moto's in-process mock, which resets that state when it starts and stops.
"""

import os
import subprocess
import sys

_cloud = None


def pytest_sessionstart(session):
    global _cloud
    if getattr(session.config.option, "numprocesses", None) and not hasattr(
        session.config, "workerinput"
    ):
        return  # with pytest-xdist, each worker starts its own cloud; the controller runs no test
    # Tests never talk to a real account: no target switch, no real credentials.
    for variable in ("WORKBOOK_TARGET", "WORKBOOK_AWS_MAY_COST_MONEY", "AWS_PROFILE",
                     "AWS_SESSION_TOKEN"):  # fmt: skip
        os.environ.pop(variable, None)
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "local-cloud-access-key",
        "AWS_SECRET_ACCESS_KEY": "local-cloud-secret-key",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    })  # fmt: skip
    os.environ.pop("AWS_ENDPOINT_URL", None)
    _cloud = subprocess.Popen(
        [sys.executable, "-m", "helpers.local_cloud"], stdout=subprocess.PIPE, text=True
    )
    first_line = _cloud.stdout.readline()
    if not first_line.startswith("Local cloud running at "):
        raise RuntimeError(f"The local cloud did not start: {first_line!r}")
    os.environ["AWS_ENDPOINT_URL"] = first_line.rsplit(" ", 1)[-1].strip()


def pytest_sessionfinish(session, exitstatus):
    if _cloud is not None:
        _cloud.terminate()
        _cloud.wait(timeout=30)

"""Start one local cloud for the whole test run.

nbval's notebook cells cannot use pytest fixtures, so the cloud starts in a session hook
and reaches every notebook kernel through AWS_ENDPOINT_URL, which kernels inherit.
"""

import os

_cloud = None


def pytest_sessionstart(session):
    global _cloud
    from helpers.local_cloud import LocalCloud

    # Tests never talk to a real account: no target switch, no real credentials.
    for variable in ("WORKBOOK_TARGET", "WORKBOOK_AWS_MAY_COST_MONEY", "AWS_PROFILE"):
        os.environ.pop(variable, None)
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "local-cloud-access-key",
        "AWS_SECRET_ACCESS_KEY": "local-cloud-secret-key",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    })  # fmt: skip
    os.environ.pop("AWS_SESSION_TOKEN", None)
    _cloud = LocalCloud().start()
    os.environ["AWS_ENDPOINT_URL"] = _cloud.endpoint


def pytest_sessionfinish(session, exitstatus):
    if _cloud is not None:
        _cloud.stop()

"""Fixtures for tests that need their own local cloud (in this process) and a Target on it."""

import contextlib
import urllib.request

import pytest

from helpers import target, webapp
from helpers.local_cloud import LocalCloud


@contextlib.contextmanager
def local_target(*, reset: bool = False):
    """A LocalCloud in this process and a Target on it. moto's state is global to a process:
    ``reset=True`` starts from an empty account, as moto's mock_aws does."""
    with LocalCloud() as cloud, pytest.MonkeyPatch.context() as patch:
        if reset:
            request = urllib.request.Request(f"{cloud.endpoint}/moto-api/reset", method="POST")
            urllib.request.urlopen(request, timeout=10).read()
        patch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
        yield target.connect(quiet=True)


@pytest.fixture(scope="module")
def aws():
    with local_target() as connected:
        yield connected


@pytest.fixture(scope="module")
def app(aws):
    """The whole guestbook, assembled as notebook 10 does, and taken apart afterwards."""
    assembled = webapp.assemble(aws, say=lambda message: None)
    yield assembled
    webapp.disassemble(aws, assembled, say=lambda message: None)


@pytest.fixture(scope="module")
def empty_account_aws():
    """Like ``aws``, from an empty account: for tests that check "exactly these resources"."""
    with local_target(reset=True) as connected:
        yield connected

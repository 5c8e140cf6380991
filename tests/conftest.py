"""Fixtures for tests that need their own local cloud (in this process) and a Target on it."""

import contextlib
import urllib.request

import pytest

from helpers import target, webapp
from helpers.local_cloud import LocalCloud
from helpers.local_cloud.clock import REAL_CLOCK, Clock, FakeClock


@contextlib.contextmanager
def local_target(*, reset: bool = False, clock: Clock = REAL_CLOCK):
    """A LocalCloud in this process and a Target on it. moto's state is global to a process:
    ``reset=True`` starts from an empty account, as moto's mock_aws does. ``clock`` is the
    cloud's time (a FakeClock: its delays and ages pass only when the test says so)."""
    with LocalCloud(clock=clock) as cloud, pytest.MonkeyPatch.context() as patch:
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


@pytest.fixture
def fake_clock_aws():
    """(Target, FakeClock): a cloud whose time moves only when told (or when a helper given the
    same clock waits), for retries, delays and ages that must not take real time."""
    clock = FakeClock()
    with local_target(clock=clock) as connected:
        yield connected, clock

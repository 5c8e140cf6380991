"""Helpers that wait for AWS (a CloudFront deployment, an invalidation) ask an injectable clock:
on AWS they wait minutes, in these tests not at all, and what they would have waited is checked."""

import pytest

from helpers import cdn
from helpers.local_cloud.clock import FakeClock


class FakeTarget:
    """A target whose CloudFront answers the statuses given, one per call."""

    def __init__(self, statuses):
        self.statuses = iter(statuses)

    def client(self, service):
        assert service == "cloudfront"
        return self

    def get_distribution(self, Id):
        return {"Distribution": {"Status": next(self.statuses)}}

    def create_invalidation(self, DistributionId, InvalidationBatch):
        return {"Invalidation": {"Id": "I1", "Status": next(self.statuses)}}

    def get_invalidation(self, DistributionId, Id):
        return {"Invalidation": {"Id": Id, "Status": next(self.statuses)}}


def test_waiting_for_a_deployment_reports_every_30_seconds():
    said, clock = [], FakeClock()
    cdn.wait_deployed(FakeTarget(["InProgress", "InProgress", "Deployed"]), "E1",
                      say=said.append, clock=clock)  # fmt: skip
    assert clock.slept == [30, 30]
    assert said == ["E1: InProgress after 0 s (CloudFront takes minutes)...",
                    "E1: InProgress after 30 s (CloudFront takes minutes)..."]


def test_waiting_for_a_deployment_gives_up_after_the_timeout():
    clock = FakeClock()
    with pytest.raises(TimeoutError, match="still InProgress after 90 s"):
        cdn.wait_deployed(FakeTarget(["InProgress"] * 10), "E1", say=lambda message: None,
                          timeout=60, clock=clock)  # fmt: skip
    assert clock.slept == [30, 30, 30]


def test_an_invalidation_is_polled_every_10_seconds_until_completed():
    said, clock = [], FakeClock()
    invalidation = cdn.invalidate(FakeTarget(["InProgress", "InProgress", "Completed"]), "E1",
                                  say=said.append, clock=clock)  # fmt: skip
    assert invalidation == "I1" and clock.slept == [10, 10]
    assert said == ["invalidation I1: InProgress..."] * 2


def test_waiting_for_log_events_gives_up_at_the_timeout(aws):
    from helpers import logs

    clock = FakeClock()
    found = logs.wait_for_events(aws, "/aws/lambda/workbook-never-invoked", "anything",
                                 timeout=2, clock=clock)  # fmt: skip
    assert found == []
    assert set(clock.slept) == {0.2}  # polled every 0.2 s (locally)...
    assert len(clock.slept) in (10, 11)  # ...until the 2 s had passed

"""The triggers' rules as plain functions: partial batch responses, permission checks and the
events' shapes, without a cloud."""

import json
from types import SimpleNamespace

import pytest

from helpers.local_cloud.planes.event_shapes_rules import delivered_event, s3_notification_event
from helpers.local_cloud.planes.event_source_rules import failed_items, sqs_refusal
from helpers.local_cloud.planes.trigger_permissions_rules import (
    function_policy_allows,
    role_allows,
)

IDS = ["m1", "m2", "m3"]


@pytest.mark.parametrize("response, expected", [
    # A complete success (Lambda developer guide, "Reporting batch item failures"):
    (b"", set()), (b"null", set()), (b"{}", set()), (b'{"batchItemFailures": []}', set()),
    (b'{"batchItemFailures": null}', set()), (b'"done"', set()),
    (b'{"batchItemFailures": [{"itemIdentifier": "m2"}]}', {"m2"}),
    # A complete failure: invalid JSON, a null, empty, misspelt or unknown identifier.
    (b"{not json", None), (b'{"batchItemFailures": [{"itemIdentifier": null}]}', None),
    (b'{"batchItemFailures": [{"itemIdentifier": ""}]}', None),
    (b'{"batchItemFailures": [{"itemIdentifer": "m2"}]}', None),
    (b'{"batchItemFailures": [{"itemIdentifier": "m9"}]}', None),
])  # fmt: skip
def test_a_partial_batch_response_reads_as_aws_documents(response, expected):
    assert failed_items(response, IDS) == expected


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(service, **condition):
    statement = {"Effect": "Allow", "Principal": {"Service": service},
                 "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:::function:f"}
    if condition:
        statement["Condition"] = condition
    return statement


BUCKET = "arn:aws:s3:::uploads"


def test_a_resource_policy_must_name_the_service_and_match_the_source():
    assert function_policy_allows(policy(allow("s3.amazonaws.com")), "s3.amazonaws.com",
                                  BUCKET, "123456789012")
    assert not function_policy_allows(policy(allow("sns.amazonaws.com")), "s3.amazonaws.com",
                                      BUCKET, "123456789012")
    scoped = policy(allow("s3.amazonaws.com", ArnLike={"AWS:SourceArn": "arn:aws:s3:::other"}))
    assert not function_policy_allows(scoped, "s3.amazonaws.com", BUCKET, "123456789012")
    account = policy(allow("s3.amazonaws.com", StringEquals={"AWS:SourceAccount": "999"}))
    assert not function_policy_allows(account, "s3.amazonaws.com", BUCKET, "123456789012")
    assert not function_policy_allows(None, "s3.amazonaws.com", BUCKET, "123456789012")


def test_an_explicit_deny_wins():
    denied = policy(allow("s3.amazonaws.com"), {**allow("s3.amazonaws.com"), "Effect": "Deny"})
    assert not function_policy_allows(denied, "s3.amazonaws.com", BUCKET, "123456789012")


QUEUE = "arn:aws:sqs:us-east-1:123456789012:jobs"


def test_role_policies_match_actions_and_resources_with_wildcards():
    documents = [policy({"Effect": "Allow", "Action": "sqs:*", "Resource": QUEUE})]
    assert role_allows(documents, "sqs:ReceiveMessage", QUEUE)
    assert not role_allows(documents, "sqs:ReceiveMessage", QUEUE + "-other")
    documents.append(policy({"Effect": "Deny", "Action": "sqs:DeleteMessage", "Resource": "*"}))
    assert not role_allows(documents, "sqs:DeleteMessage", QUEUE)
    everything_else = [policy({"Effect": "Allow", "NotAction": "sqs:DeleteMessage",
                               "Resource": "*"})]
    assert role_allows(everything_else, "sqs:ReceiveMessage", QUEUE)
    assert not role_allows(everything_else, "sqs:DeleteMessage", QUEUE)


def test_the_sqs_refusal_checks_permissions_before_the_visibility_timeout():
    assert "ReceiveMessage" in sqs_refusal([], QUEUE, 1, 60)
    allowed = [policy({"Effect": "Allow", "Action": "sqs:*", "Resource": "*"})]
    assert sqs_refusal(allowed, QUEUE, 60, 60) is None
    assert "less than Function timeout: 61 seconds" in sqs_refusal(allowed, QUEUE, 60, 61)


def test_s3_records_url_encode_keys_and_leave_versions_out_of_unversioned_buckets():
    bucket = SimpleNamespace(name="uploads", region_name="us-east-1", account_id="1",
                             is_versioned=False)
    key = SimpleNamespace(name="a dir/ü.csv", size=3, etag='"abc"', version_id="null")
    record = s3_notification_event("s3:ObjectCreated:Put", bucket, key, "id", now=0)["Records"][0]
    assert record["s3"]["object"]["key"] == "a+dir/%C3%BC.csv"
    assert record["s3"]["object"]["eTag"] == "abc" and "versionId" not in record["s3"]["object"]
    assert record["eventTime"] == "1970-01-01T00:00:00.000Z"


def test_targets_see_an_iso_time_and_no_ingestion_time():
    event = {"version": "0", "id": "1", "detail-type": "t", "source": "s", "account": "1",
             "time": 1767225600, "region": "us-east-1", "resources": [], "detail": {},
             "ingestion-time": 1767225600}
    shaped = delivered_event(event)
    assert shaped["time"] == "2026-01-01T00:00:00Z" and "ingestion-time" not in shaped
    assert json.dumps(list(shaped)) == json.dumps(list(event)[:-1])

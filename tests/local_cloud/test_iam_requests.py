"""Which IAM action on which resource each API request asks for (no sockets, no moto).

Resource ARNs and action names are those of AWS's Service Authorization Reference; where AWS's
own AccessDenied messages show the ARN it evaluated (CloudWatch Logs), the test says so."""

import json
from urllib.parse import parse_qs

import pytest

from helpers.local_cloud.iam_requests import Call, asked_for, s3_bucket_and_key

ACCOUNT, REGION = "123456789012", "us-east-1"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table"


def call(service, method="POST", path="/", *, target=None, body=b"", query="", host="x",
         headers=None) -> Call:  # fmt: skip
    all_headers = {"x-amz-target": target, **{k.lower(): v for k, v in (headers or {}).items()}}
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    return Call(service=service, region=REGION, account=ACCOUNT, method=method, path=path,
                query=parse_qs(query, keep_blank_values=True), host=host,
                headers=lambda name: all_headers.get(name.lower()), body=lambda: body)


def pairs(wanted: Call) -> list[tuple[str, str]]:
    return [(asked.action, asked.resource) for asked in asked_for(wanted)]


def dynamodb(operation, body) -> list[tuple[str, str]]:
    return pairs(call("dynamodb", target=f"DynamoDB_20120810.{operation}", body=body))


def test_dynamodb_item_calls_name_the_table_and_queries_on_an_index_the_index():
    assert dynamodb("PutItem", {"TableName": "T", "Item": {}}) == [
        ("dynamodb:PutItem", f"{TABLE}/T")]
    assert dynamodb("Query", {"TableName": "T", "IndexName": "byDate"}) == [
        ("dynamodb:Query", f"{TABLE}/T/index/byDate")]
    assert dynamodb("ListTables", {}) == [("dynamodb:ListTables", "*")]


def test_dynamodb_batches_name_every_table_and_transactions_every_items_action():
    assert dynamodb("BatchWriteItem", {"RequestItems": {"A": [], "B": []}}) == [
        ("dynamodb:BatchWriteItem", f"{TABLE}/A"), ("dynamodb:BatchWriteItem", f"{TABLE}/B")]
    items = [{"Put": {"TableName": "A"}}, {"Update": {"TableName": "B"}},
             {"ConditionCheck": {"TableName": "A"}}, {"Delete": {"TableName": "A"}}]
    assert dynamodb("TransactWriteItems", {"TransactItems": items}) == [
        ("dynamodb:PutItem", f"{TABLE}/A"), ("dynamodb:UpdateItem", f"{TABLE}/B"),
        ("dynamodb:ConditionCheckItem", f"{TABLE}/A"), ("dynamodb:DeleteItem", f"{TABLE}/A")]
    assert dynamodb("TransactGetItems", {"TransactItems": [{"Get": {"TableName": "A"}}]}) == [
        ("dynamodb:GetItem", f"{TABLE}/A")]


@pytest.mark.parametrize(("statement", "wanted"), [
    ('SELECT * FROM "T" WHERE pk = ?', ("dynamodb:PartiQLSelect", f"{TABLE}/T")),
    ('SELECT * FROM "T"."byDate"', ("dynamodb:PartiQLSelect", f"{TABLE}/T/index/byDate")),
    ("INSERT INTO T VALUE {'pk': ?}", ("dynamodb:PartiQLInsert", f"{TABLE}/T")),
    ('UPDATE "T" SET a = 1 WHERE pk = ?', ("dynamodb:PartiQLUpdate", f"{TABLE}/T")),
    ('DELETE FROM "T" WHERE pk = ?', ("dynamodb:PartiQLDelete", f"{TABLE}/T")),
])  # fmt: skip
def test_partiql_is_authorised_per_verb(statement, wanted):
    assert dynamodb("ExecuteStatement", {"Statement": statement}) == [wanted]


GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/f"


@pytest.mark.parametrize(("operation", "body", "resource"), [
    # AWS's messages: "logs:CreateLogGroup on resource: ...:log-group:NAME:log-stream:"
    ("CreateLogGroup", {"logGroupName": "/aws/lambda/f"}, f"{GROUP}:log-stream:"),
    ("CreateLogStream", {"logGroupName": "/aws/lambda/f", "logStreamName": "s"},
     f"{GROUP}:log-stream:s"),
    ("PutLogEvents", {"logGroupName": "/aws/lambda/f", "logStreamName": "s"},
     f"{GROUP}:log-stream:s"),
    ("FilterLogEvents", {"logGroupIdentifier": f"{GROUP}:*"}, f"{GROUP}:log-stream:"),
    ("DescribeLogGroups", {}, f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group::log-stream:"),
    ("TagResource", {"resourceArn": GROUP}, GROUP),
])  # fmt: skip
def test_logs_actions_are_evaluated_against_group_or_stream_arns(operation, body, resource):
    assert pairs(call("logs", target=f"Logs_20140328.{operation}", body=body)) == [
        (f"logs:{operation}", resource)]


@pytest.mark.parametrize(("host", "path", "bucket", "key"), [
    ("127.0.0.1:4566", "/site/a/b.html", "site", "a/b.html"),
    ("localhost:4566", "/site/a", "site", "a"),
    ("site.localhost:4566", "/a/b", "site", "a/b"),
    ("site.s3.amazonaws.com", "/a", "site", "a"),
    ("site.s3.us-east-1.amazonaws.com", "/", "site", ""),
    ("s3.amazonaws.com", "/site/a", "site", "a"),
])  # fmt: skip
def test_s3_buckets_are_found_in_path_and_virtual_host_style(host, path, bucket, key):
    assert s3_bucket_and_key(host, path) == (bucket, key)


@pytest.mark.parametrize(("method", "path", "query", "wanted"), [
    ("GET", "/", "", ("s3:ListAllMyBuckets", "*")),
    ("GET", "/site", "list-type=2&prefix=a", ("s3:ListBucket", "arn:aws:s3:::site")),
    ("HEAD", "/site", "", ("s3:ListBucket", "arn:aws:s3:::site")),
    ("PUT", "/site", "", ("s3:CreateBucket", "arn:aws:s3:::site")),
    ("PUT", "/site", "policy", ("s3:PutBucketPolicy", "arn:aws:s3:::site")),
    ("DELETE", "/site", "cors", ("s3:PutBucketCORS", "arn:aws:s3:::site")),
    ("GET", "/site/a.txt", "", ("s3:GetObject", "arn:aws:s3:::site/a.txt")),
    ("HEAD", "/site/a.txt", "", ("s3:GetObject", "arn:aws:s3:::site/a.txt")),
    ("GET", "/site/a.txt", "versionId=1", ("s3:GetObjectVersion", "arn:aws:s3:::site/a.txt")),
    ("PUT", "/site/a.txt", "", ("s3:PutObject", "arn:aws:s3:::site/a.txt")),
    ("PUT", "/site/a.txt", "tagging", ("s3:PutObjectTagging", "arn:aws:s3:::site/a.txt")),
    ("DELETE", "/site/a.txt", "", ("s3:DeleteObject", "arn:aws:s3:::site/a.txt")),
    ("POST", "/site/a.txt", "uploads", ("s3:PutObject", "arn:aws:s3:::site/a.txt")),
    ("DELETE", "/site/a.txt", "uploadId=u", ("s3:AbortMultipartUpload",
                                             "arn:aws:s3:::site/a.txt")),
])  # fmt: skip
def test_s3_requests_map_to_bucket_and_object_actions(method, path, query, wanted):
    assert pairs(call("s3", method, path, query=query, host="127.0.0.1:4566")) == [wanted]


def test_s3_list_bucket_carries_its_prefix_condition_key():
    [asked] = asked_for(call("s3", "GET", "/site", query="prefix=home/", host="127.0.0.1"))
    assert asked.context == {"s3:prefix": "home/"} and asked.policy_of == ("s3", "site")


def test_s3_copies_also_read_their_source_and_multi_deletes_delete_each_key():
    copy = call("s3", "PUT", "/site/new", host="127.0.0.1",
                headers={"x-amz-copy-source": "/other/old%20name.txt"})
    assert pairs(copy) == [("s3:PutObject", "arn:aws:s3:::site/new"),
                           ("s3:GetObject", "arn:aws:s3:::other/old name.txt")]
    body = (b'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a</Key>'
            b"</Object><Object><Key>b/c</Key></Object></Delete>")
    assert pairs(call("s3", "POST", "/site", query="delete", body=body, host="127.0.0.1")) == [
        ("s3:DeleteObject", "arn:aws:s3:::site/a"), ("s3:DeleteObject", "arn:aws:s3:::site/b/c")]


QUEUE_URL = f"http://127.0.0.1:4566/{ACCOUNT}/jobs"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs"


def test_sqs_names_the_queue_in_both_protocols_and_batches_by_their_single_action():
    json_call = call("sqs", target="AmazonSQS.SendMessageBatch", body={"QueueUrl": QUEUE_URL})
    assert pairs(json_call) == [("sqs:SendMessage", QUEUE)]
    query_call = call("sqs", body=f"Action=DeleteMessage&QueueUrl={QUEUE_URL}".encode(),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert pairs(query_call) == [("sqs:DeleteMessage", QUEUE)]
    assert pairs(call("sqs", target="AmazonSQS.GetQueueUrl", body={"QueueName": "jobs"})) == [
        ("sqs:GetQueueUrl", QUEUE)]


def test_sns_names_the_topic():
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
    assert pairs(call("sns", body=f"Action=Publish&TopicArn={topic}".encode())) == [
        ("sns:Publish", topic)]
    assert pairs(call("sns", body=f"Action=Unsubscribe&SubscriptionArn={topic}:abc".encode())
                 ) == [("sns:Unsubscribe", topic)]  # fmt: skip


FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"


@pytest.mark.parametrize(("method", "path", "query", "wanted"), [
    ("POST", "/2015-03-31/functions/f/invocations", "", ("lambda:InvokeFunction", FUNCTION)),
    ("POST", "/2015-03-31/functions/f:live/invocations", "",
     ("lambda:InvokeFunction", f"{FUNCTION}:live")),
    ("POST", "/2015-03-31/functions/f/invocations", "Qualifier=2",
     ("lambda:InvokeFunction", f"{FUNCTION}:2")),
    ("POST", f"/2015-03-31/functions/{FUNCTION}/invocations", "",
     ("lambda:InvokeFunction", FUNCTION)),
    ("GET", "/2015-03-31/functions/f/configuration", "",
     ("lambda:GetFunctionConfiguration", FUNCTION)),
    ("POST", "/2015-03-31/functions/f/policy", "", ("lambda:AddPermission", FUNCTION)),
    ("GET", "/2015-03-31/functions/", "", ("lambda:ListFunctions", "*")),
])  # fmt: skip
def test_lambda_calls_name_the_function_qualified_as_called(method, path, query, wanted):
    assert pairs(call("lambda", method, path, query=query)) == [wanted]


def test_get_caller_identity_needs_no_permission():
    assert asked_for(call("sts", body=b"Action=GetCallerIdentity&Version=2011-06-15")) == []


def test_events_put_events_names_each_bus():
    body = {"Entries": [{"Source": "a"}, {"Source": "b", "EventBusName": "orders"}]}
    assert pairs(call("events", target="AWSEvents.PutEvents", body=body)) == [
        ("events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"),
        ("events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/orders")]


def test_a_call_the_local_cloud_cannot_map_is_the_services_action_on_star_and_says_so():
    [asked] = asked_for(call("kms", target="TrentService.GenerateRandom", body={}))
    assert (asked.action, asked.resource, asked.mapped) == ("kms:GenerateRandom", "*", False)
    [cloudfront] = asked_for(call("cloudfront", "GET", "/2020-05-31/distribution"))
    assert (cloudfront.action, cloudfront.mapped) == ("cloudfront:ListDistributions", False)

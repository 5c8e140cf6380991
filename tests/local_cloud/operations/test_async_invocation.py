"""Asynchronous invocation through boto3: retries, event age, destinations, the dead-letter queue.

AWS's behaviour, from https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html: a
failed event is retried twice, about one and two minutes later; MaximumRetryAttempts (0-2) and
MaximumEventAgeInSeconds (60-21600) change that; OnSuccess/OnFailure destinations get an
invocation record; the dead-letter queue gets the event with RequestID, ErrorCode, ErrorMessage.
"""

import json

import pytest

from helpers.local_cloud.planes.lambda_async import RETRY_DELAYS


def invoke_event(aws, name, payload, **kwargs):
    response = aws("lambda").invoke(FunctionName=name, InvocationType="Event",
                                    Payload=json.dumps(payload), **kwargs)  # fmt: skip
    assert response["StatusCode"] == 202
    return response["ResponseMetadata"]["RequestId"]


def test_a_failing_event_is_retried_after_one_then_two_minutes(aws, function, read, settle):
    name = function("fail")
    invoke_event(aws, name, {"order": 1})
    settle()
    assert len(read.reports(name)) == 1
    settle(advance=RETRY_DELAYS[0] - 1)
    assert len(read.reports(name)) == 1  # not yet: the first retry comes after a minute
    settle(advance=1)
    assert len(read.reports(name)) == 2
    settle(advance=RETRY_DELAYS[1])
    assert len(read.reports(name)) == 3
    settle(advance=3600)
    assert len(read.reports(name)) == 3  # two retries, no more


def test_retries_share_the_request_id(aws, function, read, settle):
    name = function("fail")
    request_id = invoke_event(aws, name, {"order": 2})
    settle()
    settle(advance=60)
    assert [line.split()[2] for line in read.reports(name)] == [request_id, request_id]


def test_put_event_invoke_config_replaces_and_update_merges(aws, function, queue):
    client, name = aws("lambda"), function("echo")
    _, destination = queue()
    client.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=600,
        DestinationConfig={"OnFailure": {"Destination": destination}})  # fmt: skip
    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    config = client.get_function_event_invoke_config(FunctionName=name)
    assert config["MaximumRetryAttempts"] == 0 and "MaximumEventAgeInSeconds" not in config
    assert config["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    assert config["FunctionArn"].endswith(f":function:{name}:$LATEST")
    client.update_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=120)
    config = client.get_function_event_invoke_config(FunctionName=name)
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (0, 120)


def test_event_invoke_configs_belong_to_a_version_or_alias(aws, function):
    client, name = aws("lambda"), function("echo")
    version = client.publish_version(FunctionName=name)["Version"]
    client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    client.put_function_event_invoke_config(FunctionName=name, Qualifier="live",
                                            MaximumRetryAttempts=1)  # fmt: skip
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function_event_invoke_config(FunctionName=name)  # $LATEST has none
    listed = client.list_function_event_invoke_configs(FunctionName=name)
    assert [c["FunctionArn"].rsplit(":", 1)[1] for c in listed["FunctionEventInvokeConfigs"]] == [
        "live"]  # fmt: skip
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.put_function_event_invoke_config(FunctionName=name, Qualifier="nope",
                                                MaximumRetryAttempts=1)  # fmt: skip
    client.delete_function_event_invoke_config(FunctionName=name, Qualifier="live")
    assert client.list_function_event_invoke_configs(FunctionName=name)[
        "FunctionEventInvokeConfigs"] == []  # fmt: skip


@pytest.mark.parametrize("setting, value", [("MaximumRetryAttempts", 3),
                                            ("MaximumEventAgeInSeconds", 21601)])
def test_out_of_range_settings_are_refused_as_aws_does(aws, function, setting, value):
    client = aws("lambda")
    with pytest.raises(client.exceptions.ClientError, match="ValidationException"):
        client.put_function_event_invoke_config(FunctionName=function("echo"), **{setting: value})


def test_a_function_cannot_be_its_own_destination_nor_send_to_a_table(aws, function):
    client, name = aws("lambda"), function("echo")
    arn = client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    for destination in (arn, "arn:aws:dynamodb:us-east-1:123456789012:table/orders"):
        with pytest.raises(client.exceptions.InvalidParameterValueException):
            client.put_function_event_invoke_config(
                FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": destination}})


def test_on_success_sends_the_invocation_record_to_sqs(aws, function, queue, read, settle):
    client, name = aws("lambda"), function("echo")
    url, destination = queue()
    client.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": destination}})
    request_id = invoke_event(aws, name, {"order": 3})
    settle()
    [record] = read.bodies(url)
    assert set(record) == {"version", "timestamp", "requestContext", "requestPayload",
                           "responseContext", "responsePayload"}  # fmt: skip
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    arn = client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    assert record["requestContext"] == {"requestId": request_id, "functionArn": f"{arn}:$LATEST",
                                        "condition": "Success", "approximateInvokeCount": 1}
    assert record["requestPayload"] == {"order": 3}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"echo": {"order": 3}}


def test_on_failure_record_after_retries_exhausted_reaches_sns_subscribers(
        aws, function, queue, read, settle):  # fmt: skip
    client, name = aws("lambda"), function("fail")
    topic = aws("sns").create_topic(Name=f"{name}-failures")["TopicArn"]
    url, queue_arn = queue()
    aws("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                         Attributes={"RawMessageDelivery": "true"})  # fmt: skip
    client.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": topic}})  # fmt: skip
    invoke_event(aws, name, {"order": 4})
    settle()
    assert read.bodies(url) == []  # a retry is still to come
    settle(advance=RETRY_DELAYS[0])
    [record] = read.bodies(url)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "bad order 4"


def test_an_event_older_than_its_maximum_age_is_not_retried(aws, function, queue, read, settle):
    client, name = aws("lambda"), function("fail")
    url, destination = queue()
    client.put_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": destination}})  # fmt: skip
    invoke_event(aws, name, {"order": 5})
    settle()
    settle(advance=RETRY_DELAYS[0])  # the retry is due when the event is 60 s old: too old
    assert len(read.reports(name)) == 1
    [record] = read.bodies(url)
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1


def test_no_retries_with_maximum_retry_attempts_zero(aws, function, read, settle):
    client, name = aws("lambda"), function("fail")
    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    invoke_event(aws, name, {"order": 6})
    settle()
    settle(advance=sum(RETRY_DELAYS))
    assert len(read.reports(name)) == 1


def test_dead_letter_queue_gets_the_event_with_aws_attributes(aws, function, queue, read, settle):
    url, dead_letters = queue()
    name = function("fail", DeadLetterConfig={"TargetArn": dead_letters})
    config = aws("lambda").get_function_configuration(FunctionName=name)
    assert config["DeadLetterConfig"] == {"TargetArn": dead_letters}
    request_id = invoke_event(aws, name, {"order": 7})
    settle()
    settle(advance=RETRY_DELAYS[0])
    assert read.messages(url) == []
    settle(advance=RETRY_DELAYS[1])
    [message] = read.messages(url, attributes=True)
    assert json.loads(message["Body"]) == {"order": 7}  # the event as is
    attributes = message["MessageAttributes"]
    assert attributes["RequestID"] == {"StringValue": request_id, "DataType": "String"}
    assert attributes["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert attributes["ErrorMessage"]["StringValue"] == "bad order 7"


def test_a_destination_the_role_may_not_send_to_is_refused_as_aws_does(aws, queue, zip_of_source):
    import uuid

    iam, client = aws("iam"), aws("lambda")
    name = f"ops-mute-{uuid.uuid4().hex[:8]}"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    client.create_function(FunctionName=name, Runtime="python3.12", Role=role["Arn"],
                           Handler="app.echo", Code={"ZipFile": zip_of_source("def echo(e, c):\n    return e\n")})
    _, queue_arn = queue()
    with pytest.raises(client.exceptions.InvalidParameterValueException,
                       match="does not have permissions to call SendMessage on SQS"):
        client.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    with pytest.raises(client.exceptions.InvalidParameterValueException,
                       match="does not have permissions to call SendMessage on SQS"):
        client.update_function_configuration(FunctionName=name,
                                             DeadLetterConfig={"TargetArn": queue_arn})
    iam.put_role_policy(RoleName=name, PolicyName="send", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}]}))
    client.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    client.update_function_configuration(FunctionName=name,
                                         DeadLetterConfig={"TargetArn": queue_arn})


def test_dead_letter_config_must_name_a_queue_or_topic(aws, function):
    client = aws("lambda")
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        function("echo", DeadLetterConfig={"TargetArn": "arn:aws:s3:::a-bucket"})


def test_a_lambda_destination_is_invoked_asynchronously_with_the_record(
        aws, function, read, settle):  # fmt: skip
    client = aws("lambda")
    receiver, name = function("echo"), function("echo")
    receiver_arn = client.get_function(FunctionName=receiver)["Configuration"]["FunctionArn"]
    client.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": receiver_arn}})
    invoke_event(aws, name, {"order": 8})
    settle()
    settle()  # the destination's own event
    lines = aws("logs").filter_log_events(logGroupName=f"/aws/lambda/{receiver}",
                                          filterPattern="event")["events"]  # fmt: skip
    [record] = [json.loads(e["message"].split("event ", 1)[1]) for e in lines
                if e["message"].startswith("event ")]  # fmt: skip
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestPayload"] == {"order": 8}


def test_an_eventbridge_destination_gets_an_event_from_source_lambda(
        aws, function, queue, read, settle):  # fmt: skip
    client, events, name = aws("lambda"), aws("events"), function("fail")
    bus = events.create_event_bus(Name=f"{name}-bus")["EventBusArn"]
    url, queue_arn = queue()
    events.put_rule(Name="failures", EventBusName=bus,
                    EventPattern=json.dumps({"source": ["lambda"]}))  # fmt: skip
    events.put_targets(Rule="failures", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    client.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": bus}})  # fmt: skip
    invoke_event(aws, name, {"order": 9})
    settle()
    [event] = read.bodies(url)
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert event["detail"]["requestContext"]["condition"] == "RetriesExhausted"
    assert bus in event["resources"]


def test_reserved_concurrency_zero_sends_events_straight_to_on_failure(
        aws, function, queue, read, settle):  # fmt: skip
    """Since August 2021 AWS sends such events to the DLQ or on-failure destination at once."""
    client, name = aws("lambda"), function("echo")
    url, destination = queue()
    client.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": destination}})
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    invoke_event(aws, name, {"order": 10})
    settle()
    [record] = read.bodies(url)
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert read.reports(name) == []
    client.delete_function_concurrency(FunctionName=name)


def test_a_throttled_event_waits_for_concurrency_and_then_runs(
        aws, function, operations, read, settle):  # fmt: skip
    client, name = aws("lambda"), function("echo")
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    busy = operations.concurrency.acquire("123456789012", "us-east-1", name)  # one is running
    invoke_event(aws, name, {"order": 11})
    settle()
    assert read.reports(name) == [] and operations.async_invocations.pending() == 1
    busy.release()
    settle(advance=1)  # throttles are retried after 1 s, then 2, 4... up to 5 minutes
    assert len(read.reports(name)) == 1
    client.delete_function_concurrency(FunctionName=name)


def test_other_planes_queue_events_by_arn(aws, function, operations, read, settle, cloud):
    from helpers.local_cloud.planes.lambda_api import LambdaPlane

    name = function("echo")
    arn = aws("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    request_id = cloud.plane(LambdaPlane).invoke_event(arn, b'{"Records": []}')
    settle()
    assert read.reports(name)[0].split()[2] == request_id
    with pytest.raises(LookupError):
        cloud.plane(LambdaPlane).invoke_event(arn + "-missing", b"{}")


def test_stopping_the_cloud_leaves_no_worker_or_evaluator_thread(aws, function):
    import threading

    from helpers.local_cloud import LocalCloud
    from helpers.local_cloud.planes.lambda_api import LambdaPlane

    name = function("fail")  # moto's state is shared: the other cloud sees the function too
    arn = aws("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    before = set(threading.enumerate())
    with LocalCloud() as other:
        other.plane(LambdaPlane).invoke_event(arn, b'{"order": 12}')
        other.plane(LambdaPlane).invoke_event(arn, b'{"order": 13}')
        started = {thread for thread in set(threading.enumerate()) - before
                   if thread.name in ("lambda-async", "cloudwatch-alarms")}  # fmt: skip
        assert {thread.name for thread in started} == {"lambda-async", "cloudwatch-alarms"}
    assert not any(thread.is_alive() for thread in started)

"""SNS lambda subscriptions: a published message runs the function with AWS's event shape,
only if the function allows sns.amazonaws.com, and only if the filter policy lets it through."""

import json

# Keys of AWS's sample SNS event (aws-sam-cli generated_sample_events/events/sns/Sns.json).
RECORD_KEYS = {"EventSource", "EventVersion", "EventSubscriptionArn", "Sns"}
SNS_KEYS = {"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
            "SignatureVersion", "Signature", "SigningCertUrl", "UnsubscribeUrl",
            "MessageAttributes"}


def subscribed(triggers, name, *, permitted=True, **attributes):
    sns, lam = triggers.client("sns"), triggers.client("lambda")
    topic = sns.create_topic(Name=name)["TopicArn"]
    function = triggers.function(name)
    if permitted:
        lam.add_permission(FunctionName=name, StatementId="sns", Action="lambda:InvokeFunction",
                           Principal="sns.amazonaws.com", SourceArn=topic)
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function,
                                 Attributes=attributes)["SubscriptionArn"]
    return topic, subscription


def test_a_published_message_reaches_the_function(triggers):
    topic, subscription = subscribed(triggers, "sns-notify")
    message_id = triggers.client("sns").publish(
        TopicArn=topic, Message="a new guestbook entry", Subject="guestbook",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "entry"}})["MessageId"]
    [event] = triggers.wait_for_events("sns-notify", 1)
    [record] = event["Records"]
    assert set(record) == RECORD_KEYS and set(record["Sns"]) == SNS_KEYS
    assert record["EventSource"] == "aws:sns" and record["EventSubscriptionArn"] == subscription
    assert record["Sns"]["MessageId"] == message_id and record["Sns"]["TopicArn"] == topic
    assert record["Sns"]["Message"] == "a new guestbook entry"
    assert record["Sns"]["Subject"] == "guestbook"
    assert record["Sns"]["MessageAttributes"] == {"kind": {"Type": "String", "Value": "entry"}}


def test_without_a_permission_for_sns_the_message_is_dropped(triggers):
    sns, lam = triggers.client("sns"), triggers.client("lambda")
    topic, _ = subscribed(triggers, "sns-guarded", permitted=False)
    sns.publish(TopicArn=topic, Message="dropped")
    lam.add_permission(FunctionName="sns-guarded", StatementId="sns",
                       Action="lambda:InvokeFunction", Principal="sns.amazonaws.com",
                       SourceArn=topic)
    sns.publish(TopicArn=topic, Message="delivered")
    seen = triggers.wait_for_events("sns-guarded", 1)
    assert [e["Records"][0]["Sns"]["Message"] for e in seen] == ["delivered"]


def test_the_filter_policy_decides_which_messages_arrive(triggers):
    sns = triggers.client("sns")
    topic, _ = subscribed(triggers, "sns-filtered",
                          FilterPolicy=json.dumps({"kind": ["entry"]}))
    for kind, text in (("spam", "filtered out"), ("entry", "let through")):
        sns.publish(TopicArn=topic, Message=text, MessageAttributes={
            "kind": {"DataType": "String", "StringValue": kind}})
    seen = triggers.wait_for_events("sns-filtered", 1)
    assert [e["Records"][0]["Sns"]["Message"] for e in seen] == ["let through"]
    assert seen[0]["Records"][0]["Sns"]["Subject"] is None  # no Subject: null, as on AWS


def test_a_json_structured_message_sends_the_lambda_part(triggers):
    topic, _ = subscribed(triggers, "sns-structured")
    triggers.client("sns").publish(TopicArn=topic, MessageStructure="json", Message=json.dumps(
        {"default": "for everyone", "lambda": "for functions"}))
    [event] = triggers.wait_for_events("sns-structured", 1)
    assert event["Records"][0]["Sns"]["Message"] == "for functions"

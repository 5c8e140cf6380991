"""The exercises of every notebook: predict-then-run questions, build tasks, and recall checks.

Each prints "Correct!" or "Not yet: ..." (see ``grading``), so a notebook runs top to bottom
before you have tried. Build tasks inspect the cloud (``build_tasks``); their solutions are in
``notebooks/solutions/``, one file per notebook.
"""

from __future__ import annotations

from typing import Any

from . import grading
from .build_tasks import (  # noqa: F401  (the notebooks call them through this module)
    check_about_page,
    check_author_index,
    check_budget_matches_bill,
    check_early_alert,
    check_echo_route,
    check_hand_written_message,
    check_health_behaviour,
    check_hello_logging,
    check_import_folder,
    check_reader_role,
    check_required_tag_scp,
    check_rollback,
    check_shout_package,
    check_stylesheet_release,
    check_teardown_finds_your_table,
    check_throttles_alarm,
)
from .grading import Question, same_text


def _same_number(predicted: Any, observed: Any) -> bool:
    try:
        return int(str(predicted).strip()) == int(observed)
    except ValueError:
        return False


def _service(name: Any) -> str:
    """'Amazon CloudFront', 'cloudfront' and 'CloudFront' are one service."""
    words = str(name).strip().strip("'\"").lower().split()
    return "".join(w for w in words if w not in ("amazon", "aws"))


def _same_truth(predicted: Any, observed: Any) -> bool:
    words = {"true": True, "yes": True, "false": False, "no": False}
    value = words.get(str(predicted).strip().lower(), predicted)
    return isinstance(value, bool) and value == observed


QUESTIONS: dict[str, Question] = {
    "00": Question(
        ask="a string: write '' if you expect it to be empty",
        explain="IAM and STS are global services: their ARNs leave the region field empty "
                "(arn:aws:sts::123456789012:...). Regional resources, such as the Lambda "
                "functions of notebook 03, carry their region there.",
        same=same_text),
    "01": Question(
        ask="True or False",
        explain="build_zip writes every entry with a fixed date and fixed permissions, in "
                "sorted order, so only the files' bytes count: a new modification time changes "
                "nothing, and Lambda would see the same CodeSha256 (nothing to redeploy).",
        same=_same_truth),
    "02": Question(
        ask='"deleted", or the error code you expect',
        explain="IAM deletes only a bare role: its inline policies must be deleted and its "
                "managed policies detached first. The error code says so: DeleteConflict. "
                "iam.delete_role does those steps in that order.",
        same=same_text),
    "03": Question(
        ask="a status code, such as 200",
        explain="With InvocationType='Event' Lambda only queues the event and answers 202 "
                "Accepted at once. The ValueError happens later, in the background, where "
                "Lambda retries the event twice and writes every failure to the function's logs; "
                "the caller never sees it.",
        same=_same_number),
    "04": Question(
        ask="a number of lines",
        explain="START, your handler's [INFO] line, END and REPORT: Lambda's runtime writes the "
                "request id into every line it formats, so filtering a log group on the id "
                "finds a whole invocation. (A cold start adds INIT_START, which has none, and so "
                "does a bare print().)",
        same=_same_number),
    "05": Question(
        ask="0, 1 or 2",
        explain="A table holds one item per primary key: the second PutItem replaced the first, "
                "silently, and the item now says 'second'. Only a condition expression "
                "(attribute_not_exists(pk)) makes a write refuse to overwrite.",
        same=_same_number),
    "06": Question(
        ask="a number of new messages",
        explain="The first POST stored the message and its idempotency record in one "
                "transaction; the retry's transaction failed its condition on that record, so "
                "the function answered with the stored first response: the same id, and no "
                "second message.",
        same=_same_number),
    "07": Question(
        ask="a status code, such as 200",
        explain="The function's policy lets API Gateway invoke it only for the two APIs named in "
                "its SourceArn conditions. A third API presents another ARN, Lambda refuses, "
                "and API Gateway answers the caller 500 Internal Server Error (it says no more). "
                "Every API needs its own add_permission.",
        same=_same_number),
    "08": Question(
        ask="a content type, such as 'text/html'",
        explain="S3 stores the Content-Type you send and serves it back as it is; with none, it "
                "stores binary/octet-stream, and a browser downloads such a page instead of "
                "showing it. Always send the type (upload_site picks it from the extension).",
        same=same_text),
    "09": Question(
        ask="a status code, such as 403",
        explain="Every layer let the request through: the /api/* behaviour allows every method, "
                "and the API's route ANY /api/{proxy+} matches PUT too. So the function ran, and "
                "its own router answered 405 Method Not Allowed, with an Allow header listing GET "
                "and POST. (In notebook 07, with one route per method, API Gateway answered 404 "
                "itself.)",
        same=_same_number),
    "10": Question(
        ask="a number from 0 to 4",
        explain="Only /api/messages: the page, the script and the stylesheet come from S3 "
                "through the default behaviour, and never reach API Gateway or Lambda. Static "
                "files cost no Lambda time, which is why the site lives in S3.",
        same=_same_number),
    "11": Question(
        ask="a service's name, such as 'Lambda'",
        explain="CloudFront's data out: a million page views of ~500 KB is about half a terabyte, "
                "which costs more than every request-priced line together. Lambda, at 100 ms and "
                "128 MB, stays at a few dollars: at scale, page weight matters more than "
                "milliseconds.",
        same=lambda predicted, observed: _service(predicted) == _service(observed)),
    "12": Question(
        ask="True or False",
        explain="Log groups outlive their functions (and bill for storage), so the inventory "
                "lists every /aws/lambda/workbook-... group whose function is the workbook's or "
                "gone. Only the group of a learner's own, untagged workbook-... function is left "
                "alone.",
        same=_same_truth),
    "13": Question(
        ask='"created" or "refused"',
        explain="A tag policy standardises the tags that are there (the key's spelling, the "
                "allowed values); it does not require one, so a table without an environment tag "
                "is created, and reported as noncompliant. Requiring the tag takes an SCP that "
                "denies the call when aws:RequestTag/environment is Null (exercise 3). (Once that "
                "SCP is attached, AWS refuses this call; the local cloud stores SCPs without "
                "enforcing them.)",
        same=same_text),
    "14": Question(
        ask="a number of messages",
        explain="None: the bucket's notification filters on the suffix .csv, so S3 never "
                "invoked the function for notes.txt, whatever the file holds. Filters decide "
                "what runs (and what you pay for) before any code does.",
        same=_same_number),
    "15": Question(
        ask="a number of records",
        explain="None: destinations apply to asynchronous invocations only. A synchronous "
                "caller gets the error itself (FunctionError in the response) and decides what "
                "to do; only the asynchronous invoke's failure reached the OnFailure queue.",
        same=_same_number),
}  # fmt: skip


def predict(notebook: str, prediction: Any, experiment: Any) -> grading.Outcome:
    """The notebook's predict-then-run question: ``experiment`` runs once you have predicted."""
    return grading.predict_then_run(QUESTIONS[notebook], prediction, experiment)


def _verdict(ok: bool, hint: str) -> None:
    grading.verdict(ok, hint)


def check_account_id(answer: Any, target: Any) -> None:
    """00: the account id, read from the caller's ARN (arn:aws:sts::ACCOUNT:...)."""
    _verdict(
        answer == target.account_id,
        f"you gave {answer!r}; the account is the fifth ':'-separated field of the ARN.",
    )


def check_shout(shout: Any) -> None:
    """01: a handler that upper-cases event['text'] into {'message': ...}."""
    from .functions import TestContext

    try:
        result = shout({"text": "hi there"}, TestContext())
    except Exception as error:  # the learner's code may raise anything
        _verdict(False, f"shout raised {type(error).__name__}: {error}")
        return
    _verdict(
        result == {"message": "HI THERE"},
        f"shout({{'text': 'hi there'}}, context) returned {result!r}; "
        "expected {'message': 'HI THERE'}.",
    )


def check_table_read_policy(policy: Any, target: Any) -> None:
    """02: Allow exactly dynamodb:GetItem and dynamodb:Query on the one table."""
    table = f"arn:aws:dynamodb:{target.region}:{target.account_id}:table/workbook-guestbook"
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    actions: set[str] = set()
    resources: set[str] = set()
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        for key, into in (("Action", actions), ("Resource", resources)):
            value = statement.get(key, [])
            into.update([value] if isinstance(value, str) else value)
    if not statements:
        _verdict(False, "the policy has no statements yet.")
    elif actions != {"dynamodb:GetItem", "dynamodb:Query"}:
        _verdict(False, f"the actions are {sorted(actions)}; grant exactly GetItem and Query.")
    elif resources != {table}:
        _verdict(False, f"the resources are {sorted(resources)}; use only {table}.")
    else:
        _verdict(True, "")


def check_cold_start(invocation: Any, target: Any, function_name: str, package: Any) -> None:
    """03: a cold start caused by a configuration change, with the code unchanged."""
    if invocation is None:
        _verdict(False, "change the function's configuration, then invoke it into `invocation`.")
        return
    sha = target.client("lambda").get_function_configuration(FunctionName=function_name)
    if sha["CodeSha256"] != package.code_sha256:
        _verdict(False, "the code changed; change only the configuration.")
    elif not (isinstance(invocation.payload, dict) and invocation.payload.get("cold_start")):
        _verdict(False, "that invoke was warm: did the configuration really change?")
    else:
        _verdict(True, "")


def check_billed_total(answer: Any, target: Any, function_name: str) -> None:
    """04: the sum of Billed Duration over the function's REPORT lines."""
    from . import logs

    expected = sum(report["billed_ms"] for report in logs.reports(target, function_name))
    _verdict(
        answer is not None and abs(float(answer) - expected) < 0.5,
        f"you gave {answer!r}; add up the 'billed_ms' of every report.",
    )


def check_message_count(answer: Any, target: Any, table_name: str) -> None:
    """06: the number of items in the MESSAGES partition."""
    expected = target.client("dynamodb").query(
        TableName=table_name, KeyConditionExpression="pk = :m",
        ExpressionAttributeValues={":m": {"S": "MESSAGES"}}, Select="COUNT",
    )["Count"]  # fmt: skip
    _verdict(answer == expected, f"you gave {answer!r}; count the items whose pk is MESSAGES.")


def check_cost_answer(answer: Any) -> None:
    """11: the monthly cost of one traffic scenario."""
    from . import costs

    expected = costs.monthly_cost(costs.AppTraffic(
        requests_per_month=2_000_000, page_views_per_month=200_000,
        lambda_memory_mb=512, lambda_duration_ms=50)).total  # fmt: skip
    ok = answer is not None and abs(float(answer) - expected) < 0.005
    _verdict(ok, f"you gave {answer!r}; build an AppTraffic with those four numbers.")


def check_stage_account(answer: Any, target: Any) -> None:
    """13: the account id of workbook-stage."""
    from . import accounts

    stage = accounts.find_account(target, target.name_for("stage"))
    _verdict(stage is not None and answer == stage["Id"],
             f"you gave {answer!r}; assume into account_ids['stage'] and read .account_id.")


def check_posted_message(answer: Any, base_url: str) -> None:
    """07: the id of a message named Exercise, posted through the API."""
    from . import api

    if not answer:
        _verdict(False, "post a message and keep the 'id' of the JSON the API returns.")
        return
    listed = api.request("GET", f"{base_url}/api/messages?limit=50").json or {}
    found = [m for m in listed.get("messages", []) if m.get("id") == answer]
    _verdict(bool(found) and found[0].get("name") == "Exercise",
             f"no message named Exercise has the id {answer!r}.")


def check_content_type(answer: Any, target: Any, bucket: str) -> None:
    """08: the stored content type of app.js."""
    expected = target.client("s3").head_object(Bucket=bucket, Key="app.js")["ContentType"]
    _verdict(answer == expected, f"you gave {answer!r}; call head_object for the key app.js.")


def check_missing_status(answer: Any, target: Any, domain: str) -> None:
    """09: the status CloudFront returns for a key missing from the private bucket."""
    from . import cdn

    expected = cdn.request(target, domain, "GET", "/missing.html").status
    _verdict(answer == expected, f"you gave {answer!r}; request /missing.html and read .status.")


def check_health(answer: Any) -> None:
    """10: the health check's JSON, fetched through the app's front door."""
    _verdict(answer == {"status": "ok"}, f"you gave {answer!r}; read .json of the response.")


def check_second_teardown(answer: Any) -> None:
    """12: a second teardown deletes nothing."""
    _verdict(answer == 0, f"you gave {answer!r}; count the report's .deleted list.")

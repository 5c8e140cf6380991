"""Every exercise checker, against a right answer and a wrong one.

A right answer is the notebook's own solution file (notebooks/solutions/NN_name.py) run the way
a learner runs it, ``%run -i``: in a namespace holding what the notebook defined above its
exercises, against an in-process local cloud. A wrong answer is the notebook's placeholder, or a
build that is not (or only half) done.
"""

import json
import os
import shutil
import uuid
from pathlib import Path

import nbformat
import pytest

from helpers import (
    accounts,
    api,
    build_tasks,
    cdn,
    costs,
    exercises,
    functions,
    grading,
    guardrails,
    iam,
    ledger,
    logs,
    operations,
    packaging,
    site,
    tables,
    teardown,
    triggers,
    webapp,
)
from helpers.display import example_path

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = NOTEBOOKS[0].parent / "solutions"


def run_solution(notebook: str, **names):
    """Execute a solution file in a namespace holding the notebook's ``names``; return it."""
    path = SOLUTIONS / f"{notebook}.py"
    namespace = {"__name__": "__solution__", **names}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture(autouse=True)
def first_attempts():
    grading.reset_attempts()


@pytest.fixture(scope="module")
def app(aws):
    """The assembled guestbook; afterwards a teardown, since exercises change it (notebook 12's
    even tears it down)."""
    yield webapp.assemble(aws, say=lambda message: None)
    assert teardown.teardown(aws, say=lambda message: None).ok


def said(capsys) -> str:
    return capsys.readouterr().out


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_notebook_has_its_exercises_before_its_summary_and_a_solution_file(notebook):
    cells = nbformat.read(notebook, as_version=4).cells
    headings = [line for cell in cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("## ")]
    order = ["## Overview", "## Prerequisites", "## Exercises", "## Summary", "## What's next",
             "## Resources", "## Cleanup"]
    assert [h for h in headings if h in order] == order, headings
    assert headings[-1] == "## Cleanup"
    code = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
    number = notebook.stem[:2]
    assert f'exercises.predict("{number}", prediction, experiment)' in code
    assert "prediction = None" in code and number in exercises.QUESTIONS
    builds = [name for name in build_tasks.__all__ if f"exercises.{name}(" in code]
    assert len(builds) == 1, builds
    assert (SOLUTIONS / f"{notebook.stem}.py").exists()


# -- 00 · Welcome ---------------------------------------------------------------------------------


def test_00_predicts_an_empty_region_and_adds_an_early_budget_alert(aws, capsys):
    identity = aws.client("sts").get_caller_identity()

    def region_field():
        return identity["Arn"].split(":")[3]

    assert not exercises.predict("00", None, region_field)
    assert said(capsys).startswith("Not yet: write your prediction")
    assert not exercises.predict("00", "us-east-1", region_field)
    assert "Not quite. IAM and STS are global" in said(capsys)
    assert not exercises.check_early_alert(aws)
    assert "there is no budget workbook-monthly yet" in said(capsys)
    guardrails.budget_alert(aws, 5, "you@example.com")
    assert not exercises.check_early_alert(aws)
    assert "none at 50%" in said(capsys)
    exercises.check_account_id(None, aws)
    assert said(capsys).startswith("Not yet")

    solved = run_solution("00_welcome", aws=aws, identity=identity, os=os)
    assert exercises.predict("00", solved["prediction"], region_field)
    assert exercises.check_early_alert(aws)
    exercises.check_account_id(solved["answer"], aws)
    assert said(capsys).endswith("forecast of 100%.\nCorrect!\n")
    assert guardrails.delete_budget(aws)


# -- 01 · Your first Python Lambda -------------------------------------------------------------


def test_01_predicts_an_unchanged_hash_and_packages_the_shout_handler(tmp_path, monkeypatch,
                                                                       capsys):
    monkeypatch.chdir(tmp_path)
    package = packaging.build_zip(example_path("hello"))
    touched = tmp_path / "hello"
    shutil.copytree(example_path("hello"), touched)
    (touched / "hello.py").touch()

    def same_hash():
        return packaging.build_zip(touched).code_sha256 == package.code_sha256

    assert not exercises.predict("01", False, same_hash)
    assert not exercises.check_shout_package(None)
    assert "build the package" in said(capsys)
    nested = tmp_path / "nested" / "shout"
    nested.mkdir(parents=True)
    (nested / "shout.py").write_text("def shout(event, context):\n    return None\n")
    assert not exercises.check_shout_package(packaging.build_zip(nested.parent))
    assert "no shout.py at its top level" in said(capsys)
    assert not exercises.check_shout_package(packaging.build_zip(nested))
    assert "calling it gave None" in said(capsys)

    solved = run_solution("01_first_lambda", packaging=packaging, Path=Path)
    assert exercises.predict("01", solved["prediction"], same_hash)
    exercises.check_shout(solved["shout"])
    assert exercises.check_shout_package(solved["shout_zip"])
    assert said(capsys).endswith("Correct!\nCorrect! That zip is ready for create_function, "
                                 "handler shout.shout.\n")


# -- 02 · The execution role --------------------------------------------------------------------


def test_02_predicts_a_delete_conflict_and_builds_a_reader_role(aws, capsys):
    iam_client = aws.client("iam")

    def delete_with_a_policy():
        name = aws.name_for("conflict-demo-role")
        iam.ensure_execution_role(aws, name)
        iam.put_inline_policy(aws, name, "logs", iam.logging_policy(aws, "x"))
        try:
            iam_client.delete_role(RoleName=name)
            return "deleted"
        except iam_client.exceptions.ClientError as error:
            return error.response["Error"]["Code"]
        finally:
            iam.delete_role(aws, name)

    assert not exercises.predict("02", "deleted", delete_with_a_policy)
    assert not exercises.check_reader_role(aws)
    assert "there is no role workbook-reader-role yet" in said(capsys)
    reader = aws.name_for("reader-role")
    iam.ensure_execution_role(aws, reader, managed_policies=(iam.BASIC_EXECUTION_POLICY,))
    assert not exercises.check_reader_role(aws)
    assert "managed policies are attached" in said(capsys)
    iam.detach_managed_policy(aws, reader, iam.BASIC_EXECUTION_POLICY)
    iam.put_inline_policy(aws, reader, "too-much", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]})
    assert not exercises.check_reader_role(aws)
    assert "the role may call ['dynamodb:*']" in said(capsys)
    aws.client("iam").delete_role_policy(RoleName=reader, PolicyName="too-much")

    solved = run_solution("02_execution_role", aws=aws, iam=iam)
    assert exercises.predict("02", solved["prediction"], delete_with_a_policy)
    exercises.check_table_read_policy(solved["policy"], aws)
    assert exercises.check_reader_role(aws)
    assert said(capsys).endswith("Correct!\nCorrect! workbook-reader-role may read the "
                                 "guestbook table, and do nothing else.\n")
    assert iam.delete_role(aws, reader)


# -- 03 · Deploy and invoke ---------------------------------------------------------------------


def test_03_predicts_202_for_an_async_failure_and_rolls_back_the_live_alias(aws, tmp_path,
                                                                             capsys):
    role = aws.name_for("exercise-03-role")
    counter, hello = aws.name_for("exercise-counter"), aws.name_for("exercise-hello")
    role_arn = iam.ensure_execution_role(aws, role)
    counter_zip = packaging.build_zip(example_path("counter"))
    functions.deploy_function(aws, counter, counter_zip, role_arn=role_arn,
                              handler="counter.handler", say=lambda m: None)
    functions.deploy_function(aws, hello, packaging.build_zip(example_path("hello")),
                              role_arn=role_arn, handler="hello.handler", say=lambda m: None)
    lambda_client = aws.client("lambda")
    version_1 = lambda_client.publish_version(FunctionName=hello)["Version"]
    edited = tmp_path / "hello-v2"
    shutil.copytree(example_path("hello"), edited)
    source = (edited / "hello.py").read_text()
    (edited / "hello.py").write_text(source.replace('f"Hello, {name}!"', 'f"Bonjour, {name}!"'))
    functions.deploy_function(aws, hello, packaging.build_zip(edited), role_arn=role_arn,
                              handler="hello.handler", say=lambda m: None)
    version_2 = lambda_client.publish_version(FunctionName=hello)["Version"]
    lambda_client.create_alias(FunctionName=hello, Name="live", FunctionVersion=version_2)

    def async_failure():
        return functions.invoke(aws, hello, {"name": " "}, invocation_type="Event").status_code

    assert not exercises.predict("03", 200, async_failure)
    exercises.check_cold_start(None, aws, counter, counter_zip)
    assert not exercises.check_rollback(aws, hello)
    assert "live (version 2) still answers 'Bonjour, Ada!'" in said(capsys)
    assert not exercises.check_rollback(aws, hello)
    assert "published versions: ['1', '2']" in said(capsys)

    solved = run_solution("03_deploy_and_invoke", aws=aws, functions=functions, COUNTER=counter,
                          counter_zip=counter_zip, role_arn=role_arn, HELLO=hello,
                          lambda_client=lambda_client, version_1=version_1)
    assert exercises.predict("03", solved["prediction"], async_failure)
    exercises.check_cold_start(solved["invocation"], aws, counter, counter_zip)
    assert exercises.check_rollback(aws, hello)
    assert said(capsys).endswith("Correct!\nCorrect! live serves Hello again, and the Bonjour "
                                 "release waits in $LATEST.\n")
    for name in (counter, hello):
        functions.delete_function(aws, name)
        logs.delete_log_group(aws, logs.log_group_name(name))
    iam.delete_role(aws, role)


# -- 04 · CloudWatch Logs -----------------------------------------------------------------------


def test_04_predicts_four_lines_per_request_id_and_tidies_hellos_logs(aws, capsys):
    role = aws.name_for("exercise-04-role")
    counter, hello = aws.name_for("exercise-counter"), aws.name_for("exercise-hello")
    role_arn = iam.ensure_execution_role(aws, role)
    for name, example in ((counter, "counter"), (hello, "hello")):
        iam.put_inline_policy(aws, role, f"logs-{name}", iam.logging_policy(aws, name))
        functions.deploy_function(aws, name, packaging.build_zip(example_path(example)),
                                  role_arn=role_arn, handler=f"{example}.handler",
                                  say=lambda m: None)
        functions.invoke(aws, name, {"name": "Ada"})

    def lines_of_one_invocation():
        invocation = functions.invoke(aws, hello, {"name": "Ada"})
        return sum(invocation.request_id in line for line in invocation.log_tail.splitlines())

    assert not exercises.predict("04", 3, lines_of_one_invocation)
    exercises.check_billed_total(None, aws, counter)
    assert not exercises.check_hello_logging(aws, hello)
    assert "keeps its events forever" in said(capsys)
    logs.set_retention(aws, logs.log_group_name(hello), days=7)
    assert not exercises.check_hello_logging(aws, hello)
    assert "logs in the Text format" in said(capsys)

    solved = run_solution("04_cloudwatch_logs", aws=aws, logs=logs, functions=functions,
                          packaging=packaging, example_path=example_path, COUNTER=counter,
                          HELLO=hello, role_arn=role_arn)
    assert exercises.predict("04", solved["prediction"], lines_of_one_invocation)
    exercises.check_billed_total(solved["answer"], aws, counter)
    assert exercises.check_hello_logging(aws, hello)
    assert said(capsys).endswith("Correct!\nCorrect! /aws/lambda/workbook-exercise-hello keeps a "
                                 "week of JSON records.\n")
    for name in (counter, hello):
        functions.delete_function(aws, name)
        logs.delete_log_group(aws, logs.log_group_name(name))
    iam.delete_role(aws, role)


# -- 05 · DynamoDB: a first table ---------------------------------------------------------------


def test_05_predicts_one_item_per_key_and_adds_an_index_by_author(aws, capsys):
    dynamodb = aws.client("dynamodb")
    table = aws.name_for("exercise-notes")
    tables.ensure_table(aws, table, ttl_attribute=None)
    for topic, date, author in (("lambda", "2026-01-05", "Ada"), ("lambda", "2026-01-09", "Grace"),
                                ("dynamodb", "2026-01-07", "Ada")):
        dynamodb.put_item(TableName=table, Item={"pk": {"S": topic}, "sk": {"S": date},
                                                 "author": {"S": author}})

    def items_with_one_key():
        key = {"pk": {"S": "DEMO#2"}, "sk": {"S": "DEMO"}}
        for text in ("first", "second"):
            dynamodb.put_item(TableName=table, Item={**key, "text": {"S": text}})
        found = dynamodb.query(TableName=table, KeyConditionExpression="pk = :pk",
                               ExpressionAttributeValues={":pk": key["pk"]})["Items"]
        dynamodb.delete_item(TableName=table, Key=key)
        return len(found)

    assert not exercises.predict("05", 2, items_with_one_key)
    assert not exercises.check_author_index(aws, table, None)
    assert "the table has no index by-author (its indexes: none)" in said(capsys)

    solved = run_solution("05_dynamodb", aws=aws, dynamodb=dynamodb, TABLE=table)
    assert exercises.predict("05", solved["prediction"], items_with_one_key)
    assert not exercises.check_author_index(aws, table, solved["ada_notes"][:1])
    assert "query the index for Ada's notes" in said(capsys)
    assert exercises.check_author_index(aws, table, solved["ada_notes"])
    assert said(capsys).endswith("Correct! One query now finds an author's notes, in any topic.\n")
    assert tables.delete_table(aws, table)


# -- 06 · The guestbook's table design ----------------------------------------------------------


def test_06_predicts_one_message_for_a_retried_post_and_writes_one_by_hand(aws, capsys):
    backend = webapp.ensure_backend(aws, say=lambda m: None)
    dynamodb = aws.client("dynamodb")

    def count():
        return dynamodb.query(TableName=backend.table, KeyConditionExpression="pk = :m",
                              Select="COUNT",
                              ExpressionAttributeValues={":m": {"S": "MESSAGES"}})["Count"]

    def new_messages_after_a_retry():
        before = count()
        retry = api.test_event("POST", "/api/messages", json_body={"name": "R", "text": "t"},
                               headers={"Idempotency-Key": str(uuid.uuid4())})
        answers = [json.loads(functions.invoke(aws, backend.function, retry).payload["body"])
                   for _ in range(2)]
        added = count() - before
        functions.invoke(aws, backend.function, api.test_event(
            "DELETE", f"/api/messages/{answers[0]['id']}",
            headers={"X-Delete-Token": answers[0]["delete_token"]}))
        return added

    assert not exercises.predict("06", 2, new_messages_after_a_retry)
    exercises.check_message_count(None, aws, backend.table)
    assert not exercises.check_hand_written_message(aws, backend.table, backend.function)
    assert "no message named Builder" in said(capsys)
    dynamodb.put_item(TableName=backend.table, Item={
        "pk": {"S": "MESSAGES"}, "sk": {"S": "2026-01-01T00:00:00.000000Z#" + "a" * 32},
        "id": {"S": "a" * 32}, "name": {"S": "Builder"}, "text": {"S": "half done"},
        "created_at": {"S": "2026-01-01T00:00:00.000000Z"}})
    assert not exercises.check_hand_written_message(aws, backend.table, backend.function)
    assert "the message has no pointer" in said(capsys)
    dynamodb.delete_item(TableName=backend.table, Key={
        "pk": {"S": "MESSAGES"}, "sk": {"S": "2026-01-01T00:00:00.000000Z#" + "a" * 32}})

    solved = run_solution("06_table_design", dynamodb=dynamodb, TABLE=backend.table)
    assert exercises.predict("06", solved["prediction"], new_messages_after_a_retry)
    assert exercises.check_hand_written_message(aws, backend.table, backend.function)
    exercises.check_message_count(solved["answer"], aws, backend.table)
    assert said(capsys).endswith("Correct! The function lists your message as if it had "
                                 "written it.\nCorrect!\n")
    deleted = api.test_event("DELETE", f"/api/messages/{solved['message_id']}",
                             headers={"X-Delete-Token": solved["delete_token"]})
    assert functions.invoke(aws, backend.function, deleted).payload["statusCode"] == 204
    webapp.delete_backend(aws, backend)


# -- 07 · API Gateway ---------------------------------------------------------------------------


def test_07_predicts_500_for_an_api_without_permission_and_routes_to_echo(aws, capsys):
    backend = webapp.ensure_backend(aws, say=lambda m: None)
    name = aws.name_for("guestbook-api")
    api_id = api.ensure_http_api(aws, name, backend.function_arn, routes=("GET /api/health",
                                 "POST /api/messages", "GET /api/messages"))
    api.allow_invoke(aws, backend.function, api_id)
    base = api.invoke_url(aws, api_id)
    echo = aws.name_for("echo")
    echo_role = iam.ensure_execution_role(aws, aws.name_for("echo-role"))
    functions.deploy_function(aws, echo, packaging.build_zip(example_path("echo_event")),
                              role_arn=echo_role, handler="echo_event.handler",
                              say=lambda m: None)

    def stranger_status():
        stranger = api.ensure_http_api(aws, aws.name_for("stranger-api"), backend.function_arn,
                                       routes=("GET /api/health",))
        try:
            return api.request("GET", f"{api.invoke_url(aws, stranger)}/api/health").status
        finally:
            api.delete_http_api(aws, aws.name_for("stranger-api"))

    assert not exercises.predict("07", 403, stranger_status)
    exercises.check_posted_message(None, base)
    assert not exercises.check_echo_route(aws, api_id, echo)
    assert "no route GET /api/echo yet" in said(capsys)
    integration = aws.client("apigatewayv2").get_integrations(ApiId=api_id)["Items"][0]
    aws.client("apigatewayv2").create_route(ApiId=api_id, RouteKey="GET /api/echo",
                                            Target=f"integrations/{integration['IntegrationId']}")
    assert not exercises.check_echo_route(aws, api_id, echo)
    assert "not to the echo function" in said(capsys)

    solved = run_solution("07_api_gateway", aws=aws, api=api, api_id=api_id, API=name, base=base)
    assert exercises.predict("07", solved["prediction"], stranger_status)
    exercises.check_posted_message(solved["answer"], base)
    assert exercises.check_echo_route(aws, api_id, echo)
    assert said(capsys).endswith("Correct!\nCorrect! GET /api/echo shows what the echo function "
                                 "receives, through the guestbook's API.\n")
    api.delete_http_api(aws, name)
    functions.delete_function(aws, echo)
    logs.delete_log_group(aws, logs.log_group_name(echo))
    iam.delete_role(aws, aws.name_for("echo-role"))
    webapp.delete_backend(aws, backend)


# -- 08 · The static site -----------------------------------------------------------------------


def test_08_predicts_binary_octet_stream_and_adds_an_about_page(aws, capsys):
    s3 = aws.client("s3")
    bucket = site.bucket_name(aws, "exercise-site")
    site.ensure_private_bucket(aws, bucket)
    site.upload_site(aws, bucket, example_path("guestbook", "site"))

    def stored_type():
        s3.put_object(Bucket=bucket, Key="untyped.html", Body=b"<p>Hi</p>")
        return s3.head_object(Bucket=bucket, Key="untyped.html")["ContentType"]

    assert not exercises.predict("08", "text/html", stored_type)
    exercises.check_content_type(None, aws, bucket)
    assert not exercises.check_about_page(aws, bucket)
    assert "there is no about.html" in said(capsys)
    s3.put_object(Bucket=bucket, Key="about.html", Body=b"<p>About</p>")
    assert not exercises.check_about_page(aws, bucket)
    assert "stored as 'binary/octet-stream'" in said(capsys)

    solved = run_solution("08_static_site", s3=s3, BUCKET=bucket)
    assert exercises.predict("08", solved["prediction"], stored_type)
    exercises.check_content_type(solved["answer"], aws, bucket)
    assert exercises.check_about_page(aws, bucket)
    assert said(capsys).endswith("Correct!\nCorrect! about.html waits in the private bucket; "
                                 "CloudFront will serve it (notebook 09).\n")
    assert site.delete_bucket(aws, bucket)


# -- 09 · CloudFront and Route 53 ---------------------------------------------------------------


def test_09_predicts_405_from_the_function_and_caches_the_health_check(aws, app, capsys):
    cloudfront = aws.client("cloudfront")
    distribution = {"Id": app.distribution_id}

    def put_status():
        return cdn.request(aws, app.domain, "PUT", "/api/messages", json_body={"name": "A"}).status

    assert not exercises.predict("09", 404, put_status)
    exercises.check_missing_status(None, aws, app.domain)
    assert not exercises.check_health_behaviour(aws, app.distribution_id, app.domain)
    assert "none for /api/health" in said(capsys)
    current = cloudfront.get_distribution_config(Id=app.distribution_id)
    config = current["DistributionConfig"]
    api_behaviour = config["CacheBehaviors"]["Items"][0]
    late = {**api_behaviour, "PathPattern": "/api/health"}
    config["CacheBehaviors"] = {"Quantity": 2, "Items": [api_behaviour, late]}
    cloudfront.update_distribution(Id=app.distribution_id, IfMatch=current["ETag"],
                                   DistributionConfig=config)
    assert not exercises.check_health_behaviour(aws, app.distribution_id, app.domain)
    assert "/api/* matches /api/health too, and it comes first" in said(capsys)

    solved = run_solution("09_cloudfront_and_route53", aws=aws, cdn=cdn, cloudfront=cloudfront,
                          distribution=distribution, domain=app.domain)
    assert exercises.predict("09", solved["prediction"], put_status)
    exercises.check_missing_status(solved["answer"], aws, app.domain)
    assert exercises.check_health_behaviour(aws, app.distribution_id, app.domain)
    assert said(capsys).endswith("Correct!\nCorrect! CloudFront may now answer /api/health from "
                                 "its edge caches, and everything else under /api/* goes on to "
                                 "the API.\n")


# -- 10 · The whole app -------------------------------------------------------------------------


def test_10_predicts_one_request_reaches_lambda_and_releases_a_stylesheet(aws, app, tmp_path,
                                                                           monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    group = logs.log_group_name(app.backend.function)
    cdn.request(aws, app.host, "GET", "/api/health")  # the log group exists from here on

    def requests_reaching_lambda():
        before = len(logs.reports(aws, app.backend.function))
        for path in ("/", "/app.js", "/style.css", "/api/messages"):
            cdn.request(aws, app.host, "GET", path)
        logs.wait_for_events(aws, group, "REPORT", at_least=before + 1)
        return len(logs.reports(aws, app.backend.function)) - before

    assert not exercises.predict("10", 4, requests_reaching_lambda)
    exercises.check_health(None)
    assert not exercises.check_stylesheet_release(aws, app)
    assert "still serves the original style.css" in said(capsys)
    aws.client("s3").put_object(Bucket=app.bucket, Key="style.css", Body=b"body {}",
                                ContentType="text/css; charset=utf-8",
                                CacheControl="max-age=3600")
    assert not exercises.check_stylesheet_release(aws, app)
    assert "no invalidation covers /style.css" in said(capsys)

    solved = run_solution("10_the_whole_app", aws=aws, app=app, cdn=cdn,
                          example_path=example_path)
    assert exercises.predict("10", solved["prediction"], requests_reaching_lambda)
    exercises.check_health(solved["answer"])
    assert exercises.check_stylesheet_release(aws, app)
    assert said(capsys).endswith("Correct!\nCorrect! Released: every edge will fetch the new "
                                 "stylesheet.\n")
    site.upload_site(aws, app.bucket, example_path("guestbook", "site"))  # as it was


# -- 11 · What it costs -------------------------------------------------------------------------


def test_11_predicts_cloudfront_dominates_and_sets_the_budget_from_the_bill(aws, capsys):
    def largest_line():
        busier = costs.monthly_cost(costs.AppTraffic(requests_per_month=10_000_000,
                                                     page_views_per_month=1_000_000))
        return max(busier.by_service().items(), key=lambda item: item[1])[0]

    assert not exercises.predict("11", "Lambda", largest_line)
    assert not exercises.predict("11", "Amazon API Gateway", largest_line)
    exercises.check_cost_answer(None)
    assert not exercises.check_budget_matches_bill(aws)
    assert "there is no budget workbook-monthly" in said(capsys)
    guardrails.budget_alert(aws, 5, "you@example.com")
    assert not exercises.check_budget_matches_bill(aws)
    assert "the budget is $5.00 a month" in said(capsys)

    solved = run_solution("11_costs", aws=aws, costs=costs, guardrails=guardrails)
    assert exercises.predict("11", solved["prediction"], largest_line)
    assert exercises.predict("11", "amazon cloudfront", largest_line)
    exercises.check_cost_answer(solved["answer"])
    assert exercises.check_budget_matches_bill(aws)
    assert said(capsys).endswith("Correct!\nCorrect! $17 a month: twice what the model expects, "
                                 "so an alert means something changed.\n")
    assert guardrails.delete_budget(aws)


# -- 12 · Clean up ------------------------------------------------------------------------------


def test_12_predicts_orphaned_log_groups_are_listed_and_tags_a_table_for_teardown(aws, capsys):
    def ghost_listed():
        ghost = logs.log_group_name(aws.name_for("ghost"))
        aws.client("logs").create_log_group(logGroupName=ghost)
        try:
            return any(resource.name == ghost for resource in ledger.inventory(aws))
        finally:
            logs.delete_log_group(aws, ghost)

    assert teardown.teardown(aws, say=lambda m: None).ok  # as the notebook's first teardown did
    dynamodb = aws.client("dynamodb")
    assert not exercises.predict("12", False, ghost_listed)
    exercises.check_second_teardown(None)
    assert not exercises.check_teardown_finds_your_table(aws)
    assert "there is no table workbook-scratch yet" in said(capsys)
    dynamodb.create_table(TableName="workbook-scratch", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    assert not exercises.check_teardown_finds_your_table(aws)
    assert "the inventory also wants the workbook's tag" in said(capsys)
    dynamodb.delete_table(TableName="workbook-scratch")

    solved = run_solution("12_clean_up", aws=aws, dynamodb=dynamodb, teardown=teardown)
    assert exercises.predict("12", solved["prediction"], ghost_listed)
    exercises.check_second_teardown(solved["answer"])
    assert exercises.check_teardown_finds_your_table(aws)
    assert said(capsys).endswith("Correct!\nCorrect! The inventory lists workbook-scratch: "
                                 "teardown will delete it.\n")
    assert [r.name for r in teardown.teardown(aws, say=lambda m: None).deleted] == [
        "workbook-scratch"]


# -- 13 · Accounts and environments for a team --------------------------------------------------


def test_13_predicts_an_untagged_table_is_created_and_requires_the_tag_with_an_scp(aws, capsys):
    unit = aws.name_for("environments")
    accounts.ensure_organization(aws)
    unit_id = accounts.ensure_unit(aws, unit)
    dev_unit_id = accounts.ensure_unit(aws, aws.name_for("dev-unit"), parent_id=unit_id)
    account_ids = {env: accounts.ensure_account(aws, env,
                                                unit_id=dev_unit_id if env == "dev" else unit_id)
                   for env in accounts.ENVIRONMENTS}
    accounts.ensure_org_policy(aws, aws.name_for("environment-tags"), "TAG_POLICY",
                               accounts.tag_policy(), unit_id)
    dev = accounts.assume(aws, account_ids["dev"])
    dynamodb_dev = dev.client("dynamodb")

    def untagged_table():
        name = dev.name_for("untagged-demo")
        dynamodb_dev.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        dynamodb_dev.delete_table(TableName=name)
        return "created"

    assert not exercises.predict("13", "refused", untagged_table)
    exercises.check_stage_account(None, aws)
    assert not exercises.check_required_tag_scp(aws, dev_unit_id)
    assert "service control policy denies dynamodb:CreateTable" in said(capsys)
    always = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "dynamodb:CreateTable", "Resource": "*"}]}
    accounts.ensure_org_policy(aws, aws.name_for("no-tables"), "SERVICE_CONTROL_POLICY",
                               always, unit_id)
    assert not exercises.check_required_tag_scp(aws, dev_unit_id)
    assert "denies CreateTable always" in said(capsys)

    solved = run_solution("13_accounts_for_a_team", aws=aws, accounts=accounts,
                          account_ids=account_ids, dev_unit_id=dev_unit_id)
    assert exercises.predict("13", solved["prediction"], untagged_table)
    exercises.check_stage_account(solved["answer"], aws)
    assert exercises.check_required_tag_scp(aws, dev_unit_id)
    assert said(capsys).endswith("Correct!\nCorrect! In dev, a table without an environment tag "
                                 "is now refused on AWS (the local cloud stores the SCP only).\n")
    removed = accounts.dismantle(aws, unit)  # the nested unit goes before its parent
    assert removed[-3:] == [f"unit {aws.name_for('dev-unit')}", f"unit {unit}", "organization"]
    assert {"policy workbook-no-tables", "policy workbook-require-environment-tag"} <= set(removed)


# -- 14 · Events ----------------------------------------------------------------------------------


def test_14_predicts_a_txt_upload_is_not_imported_and_limits_imports_to_a_folder(aws, capsys):
    table, function = aws.name_for("guestbook"), aws.name_for("upload-import")
    bucket = site.bucket_name(aws, "uploads")
    tables.ensure_table(aws, table)
    site.ensure_private_bucket(aws, bucket)
    import_arn = triggers.deploy_example(
        aws, "s3_upload_import", function, environment={"TABLE_NAME": table},
        policy=triggers.example_policy(aws, "s3_upload_import", BucketName=bucket,
                                       TableName=table), say=lambda message: None)
    triggers.allow_service(aws, function, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}", "s3")
    triggers.notify_function(aws, bucket, import_arn, suffix=".csv")  # as section 1 leaves it
    s3 = aws.client("s3")

    def rows_from_txt():
        s3.put_object(Bucket=bucket, Key="imports/notes.txt", Body=b"name,text\nNoted,txt\n")
        s3.put_object(Bucket=bucket, Key="imports/marker.csv", Body=b"name,text\nMarker,csv\n")
        triggers.wait_for(aws, lambda: any(m["name"] == "Marker"
                                           for m in triggers.messages(aws, table)))
        return sum(m["name"] == "Noted" for m in triggers.messages(aws, table))

    try:
        assert not exercises.predict("14", 1, rows_from_txt)
        assert "Not quite. None: the bucket's notification filters" in said(capsys)
        assert not exercises.check_import_folder(aws, bucket, import_arn)
        assert "the filter's prefix is None" in said(capsys)
        triggers.notify_function(aws, bucket, import_arn, prefix="imports/")  # suffix forgotten
        assert not exercises.check_import_folder(aws, bucket, import_arn)
        assert "the filter's suffix is None" in said(capsys)

        solved = run_solution("14_events", aws=aws, triggers=triggers, s3=s3, BUCKET=bucket,
                              import_arn=import_arn)
        assert exercises.predict("14", solved["prediction"], rows_from_txt)
        assert exercises.check_import_folder(aws, bucket, import_arn)
        assert said(capsys).endswith("Correct! Only CSV files in imports/ are imported now.\n")
    finally:
        triggers.delete_example(aws, function)
        site.delete_bucket(aws, bucket)
        tables.delete_table(aws, table)


# -- 15 · Operate ---------------------------------------------------------------------------------


def test_15_predicts_no_records_for_synchronous_failures_and_alarms_on_throttles(aws, capsys):
    hello, counter = aws.name_for("ops-hello-test"), aws.name_for("ops-counter-test")
    quiet = {"say": lambda message: None}
    triggers.deploy_example(aws, "hello", hello, **quiet)
    triggers.deploy_example(aws, "counter", counter, **quiet)
    topic_arn = operations.ensure_topic(aws, aws.name_for("ops-alarms"))
    failures_url, failures_arn = triggers.ensure_queue(aws, aws.name_for("ops-failures"))
    iam.put_inline_policy(aws, f"{hello}-role", "send-failures", {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage",
                                                "Resource": failures_arn}]})
    aws.client("lambda").put_function_event_invoke_config(
        FunctionName=hello, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    cloudwatch = aws.client("cloudwatch")

    def records_of_sync_failures():
        for attempt in range(3):
            functions.invoke(aws, hello, {"name": "", "sync": attempt})
        functions.invoke(aws, hello, {"name": "", "marker": True}, invocation_type="Event")
        records = [json.loads(m["Body"])
                   for m in triggers.receive_all(aws, failures_url, at_least=1)]
        return sum("sync" in r["requestPayload"] for r in records)

    try:
        assert not exercises.predict("15", 3, records_of_sync_failures)
        assert "Not quite. None: destinations apply to asynchronous" in said(capsys)
        assert not exercises.check_throttles_alarm(aws, counter, topic_arn)
        assert "there is no alarm named COUNTER + '-throttles' yet" in said(capsys)
        cloudwatch.put_metric_alarm(  # on Errors, untagged, without an action
            AlarmName=f"{counter}-throttles", Namespace="AWS/Lambda", MetricName="Errors",
            Dimensions=[{"Name": "FunctionName", "Value": counter}], Statistic="Sum",
            Period=60, EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold")
        assert not exercises.check_throttles_alarm(aws, counter, topic_arn)
        assert "watches AWS/Lambda/Errors" in said(capsys)

        solved = run_solution("15_operate", aws=aws, cloudwatch=cloudwatch, COUNTER=counter,
                              topic_arn=topic_arn)
        assert exercises.predict("15", solved["prediction"], records_of_sync_failures)
        assert exercises.check_throttles_alarm(aws, counter, topic_arn)
        assert said(capsys).endswith("is throttled.\n")
    finally:
        operations.delete_alarms(aws, f"{counter}-throttles")
        operations.delete_topic(aws, topic_arn)
        triggers.delete_queue(aws, failures_url)
        for name in (hello, counter):
            triggers.delete_example(aws, name)

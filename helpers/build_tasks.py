"""The build tasks' checkers: each inspects the cloud and reports the first missing piece, with a
hint that gets more specific each time (see ``grading.grade_build``).

One checker per notebook, in notebook order; the solutions are in ``notebooks/solutions/``.
"""

from __future__ import annotations

from typing import Any

from .grading import Outcome, grade_build


def check_early_alert(aws: Any) -> Outcome:
    """00: the workbook budget has a third alert, by email, at 50% of actual spend."""
    budgets = aws.client("budgets")
    name = aws.name_for("monthly")

    def steps():
        try:
            budgets.describe_budget(AccountId=aws.account_id, BudgetName=name)
            exists = True
        except budgets.exceptions.NotFoundException:
            exists = False
        yield exists, (
            f"there is no budget {name} yet: run the budget cell of section 5 first.",
            "create it with guardrails.budget_alert(aws, monthly_usd=5, email=...); on AWS "
            "set WORKBOOK_BUDGET_EMAIL first.")
        alerts = budgets.describe_notifications_for_budget(
            AccountId=aws.account_id, BudgetName=name)["Notifications"]
        half = [a for a in alerts if a.get("Threshold") == 50.0
                and a.get("ThresholdType", "PERCENTAGE") == "PERCENTAGE"]
        yield bool(half), (
            f"the budget has {len(alerts)} alerts, none at 50%.",
            "call budgets.create_notification(AccountId=aws.account_id, BudgetName="
            f"'{name}', Notification=..., Subscribers=[...]) with a Threshold of 50.",
            "Notification={'NotificationType': 'ACTUAL', 'ComparisonOperator': "
            "'GREATER_THAN', 'Threshold': 50.0, 'ThresholdType': 'PERCENTAGE'}, "
            "Subscribers=[{'SubscriptionType': 'EMAIL', 'Address': email}].")
        yield all(a.get("NotificationType") == "ACTUAL" for a in half), (
            "the 50% alert watches the forecast; this one is about money already spent.",
            "use 'NotificationType': 'ACTUAL'.")

    return grade_build("00", steps(), "Three alerts now: 50% and 80% of actual spend, and a "
                                      "forecast of 100%.")


def check_shout_package(package: Any) -> Outcome:
    """01: a deployment package with shout.py at its top level, whose handler works."""
    import importlib.util
    import io
    import tempfile
    import zipfile
    from pathlib import Path

    from .functions import TestContext

    def steps():
        yield hasattr(package, "zip_bytes"), (
            f"shout_zip is {package!r}: build the package and keep what build_zip returns.",
            "shout_zip = packaging.build_zip(Path('build/shout')), once build/shout/shout.py "
            "holds your handler.")
        names = [row["name"] for row in package.files()]
        yield "shout.py" in names, (
            f"the zip holds {names}, with no shout.py at its top level.",
            "Lambda imports the module from the top of the zip: zip the folder that contains "
            "shout.py (build/shout), not a folder above it.")
        with tempfile.TemporaryDirectory() as folder:
            with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as archive:
                archive.extractall(folder)
            spec = importlib.util.spec_from_file_location("shout_from_zip",
                                                          Path(folder) / "shout.py")
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
                result = module.shout({"text": "hi there"}, TestContext())
            except Exception as error:  # the learner's code may raise anything
                result = f"{type(error).__name__}: {error}"
        yield result == {"message": "HI THERE"}, (
            f"the handler setting would be shout.shout, and calling it gave {result!r}.",
            "shout.py must define shout(event, context) returning "
            "{'message': event['text'].upper()}: write your handler's source into the file.")

    return grade_build("01", steps(), "That zip is ready for create_function, handler "
                                      "shout.shout.")


def _allowed(statements: Any) -> tuple[set[str], set[str], bool]:
    """The actions and resources a list of statements allows, and whether any is a wildcard."""
    if isinstance(statements, dict):
        statements = [statements]
    actions: set[str] = set()
    resources: set[str] = set()
    for statement in statements or []:
        if statement.get("Effect") != "Allow":
            continue
        for key, into in (("Action", actions), ("Resource", resources)):
            value = statement.get(key, [])
            into.update([value] if isinstance(value, str) else value)
    wildcard = any("*" in value for value in actions | resources)
    return actions, resources, wildcard


def check_reader_role(aws: Any) -> Outcome:
    """02: workbook-reader-role, assumable by Lambda, tagged, allowed exactly GetItem and Query
    on the guestbook table and nothing else."""
    import json
    from urllib.parse import unquote

    iam = aws.client("iam")
    name = aws.name_for("reader-role")
    table = f"arn:aws:dynamodb:{aws.region}:{aws.account_id}:table/{aws.name_for('guestbook')}"

    def steps():
        try:
            role = iam.get_role(RoleName=name)["Role"]
        except iam.exceptions.NoSuchEntityException:
            role = None
        yield role is not None, (
            f"there is no role {name} yet.",
            "iam.ensure_execution_role(aws, aws.name_for('reader-role')) creates it with "
            "Lambda's trust policy and the workbook's tags.")
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(unquote(trust)) if isinstance(trust, str) else trust
        principals = json.dumps(trust)
        yield "lambda.amazonaws.com" in principals and "sts:AssumeRole" in principals, (
            "Lambda may not assume the role: look at its trust policy.",
            "the trust policy must allow the service lambda.amazonaws.com to sts:AssumeRole "
            "(iam.LAMBDA_TRUST_POLICY).")
        tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
        yield tags.get("workbook") == "true", (
            "the role is not tagged like the workbook's resources, so teardown would miss it.",
            "create_role(..., Tags=[{'Key': k, 'Value': v} for k, v in aws.tags.items()]), "
            "or use iam.ensure_execution_role, which tags for you.")
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        yield not attached, (
            f"managed policies are attached ({[p['PolicyName'] for p in attached]}): they grant "
            "more than reading one table.",
            "detach them: iam.detach_managed_policy(aws, name, policy_arn).")
        statements = []
        for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            document = json.loads(unquote(document)) if isinstance(document, str) else document
            found = document.get("Statement", [])
            statements += [found] if isinstance(found, dict) else found
        actions, resources, wildcard = _allowed(statements)
        yield bool(statements), (
            "the role may do nothing yet: give it your policy.",
            "iam.put_inline_policy(aws, name, 'read-guestbook', policy), with the policy of "
            "exercise 2.")
        yield actions == {"dynamodb:GetItem", "dynamodb:Query"}, (
            f"the role may call {sorted(actions)}.",
            "allow exactly dynamodb:GetItem and dynamodb:Query: the calls the reader makes.")
        yield resources == {table} and not wildcard, (
            f"the role may touch {sorted(resources)}.",
            f"allow only the table's ARN, {table}, with no wildcard.")

    return grade_build("02", steps(), f"{name} may read the guestbook table, and do nothing "
                                      "else.")


def check_rollback(aws: Any, function_name: str) -> Outcome:
    """03: the live alias serves the "Hello" version again, and $LATEST keeps the new code."""
    from .functions import invoke

    lambda_client = aws.client("lambda")

    def message(qualifier: str) -> str:
        payload = invoke(aws, function_name, {"name": "Ada"}, qualifier=qualifier).payload
        return payload.get("message", "") if isinstance(payload, dict) else str(payload)

    def steps():
        try:
            alias = lambda_client.get_alias(FunctionName=function_name, Name="live")
        except lambda_client.exceptions.ResourceNotFoundException:
            alias = None
        yield alias is not None, (
            "there is no alias live: run section 4 first.",
            "lambda_client.create_alias(FunctionName=HELLO, Name='live', FunctionVersion=...).")
        live = message("live")
        versions = [v["Version"] for v in lambda_client.list_versions_by_function(
            FunctionName=function_name)["Versions"] if v["Version"] != "$LATEST"]
        yield live.startswith("Hello"), (
            f"live (version {alias['FunctionVersion']}) still answers {live!r}.",
            "releasing was moving the alias to a version: rolling back is moving it back, to the "
            f"version that says Hello (published versions: {versions}).",
            "lambda_client.update_alias(FunctionName=HELLO, Name='live', "
            "FunctionVersion=version_1).")
        latest = message("$LATEST")
        yield latest.startswith("Bonjour"), (
            f"$LATEST answers {latest!r}: the new code is gone.",
            "roll back by moving the alias only; redeploy the Bonjour code (build/hello-v2) to "
            "restore $LATEST.")

    return grade_build("03", steps(), "live serves Hello again, and the Bonjour release waits "
                                      "in $LATEST.")


def check_hello_logging(aws: Any, function_name: str) -> Outcome:
    """04: the function's log group keeps 7 days, and the function logs JSON."""
    from . import functions, logs

    group = logs.log_group_name(function_name)

    def steps():
        try:
            days = logs.retention(aws, group)
        except LookupError:
            days = False
        yield days is not False, (
            f"there is no log group {group}: invoke the function once.",
            "functions.invoke(aws, HELLO) creates it on the first invoke.")
        yield days == 7, (
            f"the group keeps its events {f'{days} days' if days else 'forever'}.",
            "set a retention of 7 days: logs.set_retention(aws, group, days=7), or "
            "logs_client.put_retention_policy(logGroupName=group, retentionInDays=7).")
        config = aws.client("lambda").get_function_configuration(FunctionName=function_name)
        log_format = (config.get("LoggingConfig") or {}).get("LogFormat", "Text")
        yield log_format == "JSON", (
            f"{function_name} logs in the {log_format} format.",
            "deploy it with logging_config={'LogFormat': 'JSON'}, as section 5 did for the "
            "counter (or lambda_client.update_function_configuration(FunctionName=..., "
            "LoggingConfig={'LogFormat': 'JSON'})).")
        tail = functions.invoke(aws, function_name, {"name": "Ada"}).log_tail
        yield any(line.startswith("{") for line in tail.splitlines()), (
            "the configuration says JSON, but the next invoke still logged plain text.",
            "wait for the update to finish (the function_updated_v2 waiter), then invoke.")

    return grade_build("04", steps(), f"{group} keeps a week of JSON records.")


def check_author_index(aws: Any, table_name: str, ada_notes: Any) -> Outcome:
    """05: a GSI by-author (partition key author), ACTIVE, and Ada's notes queried from it."""
    dynamodb = aws.client("dynamodb")

    def steps():
        table = dynamodb.describe_table(TableName=table_name)["Table"]
        indexes = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
        yield "by-author" in indexes, (
            f"the table has no index by-author (its indexes: {sorted(indexes) or 'none'}).",
            "dynamodb.update_table(TableName=TABLE, AttributeDefinitions=[...author...], "
            "GlobalSecondaryIndexUpdates=[{'Create': {...}}]).",
            "GlobalSecondaryIndexUpdates=[{'Create': {'IndexName': 'by-author', 'KeySchema': "
            "[{'AttributeName': 'author', 'KeyType': 'HASH'}], 'Projection': "
            "{'ProjectionType': 'ALL'}}}], with AttributeDefinitions=[{'AttributeName': "
            "'author', 'AttributeType': 'S'}].")
        index = indexes["by-author"]
        keys = [(k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]]
        yield keys[:1] == [("author", "HASH")], (
            f"by-author's key is {keys}: its partition key must be author.",
            "KeySchema=[{'AttributeName': 'author', 'KeyType': 'HASH'}].")
        yield index.get("IndexStatus") == "ACTIVE", (
            f"by-author is {index.get('IndexStatus')}: DynamoDB is still filling it.",
            "poll describe_table until the index's IndexStatus is ACTIVE.")
        expected = dynamodb.query(
            TableName=table_name, IndexName="by-author", KeyConditionExpression="author = :a",
            ExpressionAttributeValues={":a": {"S": "Ada"}})["Items"]
        got = ada_notes if isinstance(ada_notes, list) else []
        key = lambda item: (item.get("pk", {}).get("S"), item.get("sk", {}).get("S"))  # noqa: E731
        yield sorted(map(key, got)) == sorted(map(key, expected)) and got, (
            f"ada_notes is {ada_notes!r:.80}: query the index for Ada's notes.",
            "ada_notes = dynamodb.query(TableName=TABLE, IndexName='by-author', "
            "KeyConditionExpression='author = :a', "
            "ExpressionAttributeValues={':a': {'S': 'Ada'}})['Items'].")

    return grade_build("05", steps(), "One query now finds an author's notes, in any topic.")


def check_hand_written_message(aws: Any, table_name: str, function_name: str) -> Outcome:
    """06: a message named Builder and its pointer, laid out as the function writes them, and
    listed by the function."""
    import json
    import re

    from .api import test_event
    from .functions import invoke

    dynamodb = aws.client("dynamodb")
    created_at = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"

    def steps():
        items = dynamodb.query(TableName=table_name, KeyConditionExpression="pk = :m",
                               ExpressionAttributeValues={":m": {"S": "MESSAGES"}})["Items"]
        mine = [i for i in items if i.get("name", {}).get("S") == "Builder"]
        yield bool(mine), (
            "no message named Builder in the MESSAGES partition yet.",
            "dynamodb.transact_write_items(TransactItems=[{'Put': {...the message...}}, "
            "{'Put': {...its pointer...}}]), each Put with TableName, Item and "
            "ConditionExpression='attribute_not_exists(pk)'.",
            "the message item: {'pk': {'S': 'MESSAGES'}, 'sk': {'S': f'{created_at}#{id}'}, "
            "'id': ..., 'name': {'S': 'Builder'}, 'text': ..., 'created_at': ...}.")
        message = mine[-1]
        values = {k: v.get("S", "") for k, v in message.items()}
        yield all(values.get(k) for k in ("id", "text", "created_at")), (
            f"the message has the attributes {sorted(values)}; it needs id, name, text and "
            "created_at, all strings.",
            "id = uuid.uuid4().hex; created_at = datetime.now(UTC).strftime("
            "'%Y-%m-%dT%H:%M:%S.%fZ').")
        well_formed = (re.fullmatch(created_at, values["created_at"])
                       and re.fullmatch(r"[0-9a-f]{32}", values["id"])
                       and values["sk"] == f"{values['created_at']}#{values['id']}")
        yield bool(well_formed), (
            f"the sort key {values['sk']!r} is not <created_at>#<id> of its own attributes.",
            "created_at like 2026-05-01T09:30:00.123456Z (fixed width, so it sorts as text), "
            "id 32 hex characters (uuid.uuid4().hex), and sk = f'{created_at}#{id}'.")
        pointer = dynamodb.get_item(TableName=table_name, Key={
            "pk": {"S": f"MESSAGE#{values['id']}"}, "sk": {"S": "MESSAGE"}}).get("Item")
        yield pointer is not None, (
            "the message has no pointer: nobody could find it by its id to delete it.",
            f"add a second Put: {{'pk': {{'S': 'MESSAGE#{values['id']}'}}, "
            "'sk': {'S': 'MESSAGE'}, 'message_sk': ..., 'token_hash': ...}, in the same "
            "transaction.")
        pointed = pointer.get("message_sk", {}).get("S")
        token_hash = pointer.get("token_hash", {}).get("S", "")
        yield pointed == values["sk"], (
            f"the pointer's message_sk is {pointed!r}, not the message's sort key.",
            f"message_sk must be {values['sk']!r}.")
        yield bool(re.fullmatch(r"[0-9a-f]{64}", token_hash)), (
            "the pointer has no token_hash: the hash of the token that may delete it.",
            "token_hash = hashlib.sha256(delete_token.encode()).hexdigest(), with "
            "delete_token = secrets.token_urlsafe(32) kept by you, never stored.")
        answer = invoke(aws, function_name, test_event("GET", "/api/messages",
                                                       query="limit=50")).payload
        listed = json.loads(answer.get("body") or "{}").get("messages", [])
        yield any(m.get("id") == values["id"] for m in listed), (
            "the items look right, but the function does not list the message.",
            "is it among the 50 newest (created_at now, in UTC)?")

    return grade_build("06", steps(), "The function lists your message as if it had written it.")


def check_echo_route(aws: Any, api_id: str, echo_function: str) -> Outcome:
    """07: GET /api/echo on the API goes to the echo function, which lets this API invoke it."""
    import json

    from . import api

    apigw = aws.client("apigatewayv2")
    lambda_client = aws.client("lambda")

    def steps():
        routes = {r["RouteKey"]: r for r in apigw.get_routes(ApiId=api_id)["Items"]}
        yield "GET /api/echo" in routes, (
            "the API has no route GET /api/echo yet.",
            "a route needs an integration to point at: create_integration for the echo "
            "function, then create_route(ApiId=api_id, RouteKey='GET /api/echo', "
            "Target=f'integrations/{integration_id}').")
        target = routes["GET /api/echo"].get("Target", "")
        integrations = {i["IntegrationId"]: i for i in apigw.get_integrations(
            ApiId=api_id)["Items"]}
        integration = integrations.get(target.removeprefix("integrations/"), {})
        echo_arn = lambda_client.get_function_configuration(
            FunctionName=echo_function)["FunctionArn"]
        yield integration.get("IntegrationUri") == echo_arn, (
            f"the route goes to {integration.get('IntegrationUri', target or 'nothing')}, not "
            "to the echo function.",
            "create an AWS_PROXY integration whose IntegrationUri is the echo function's ARN, "
            "and point the route at it (update_route(..., Target=...)).")
        try:
            policy = json.loads(lambda_client.get_policy(FunctionName=echo_function)["Policy"])
        except lambda_client.exceptions.ResourceNotFoundException:
            policy = {"Statement": []}
        allowed = [s for s in policy["Statement"] if api_id in json.dumps(s.get("Condition"))]
        yield bool(allowed), (
            "the echo function does not let this API invoke it: callers would get 500.",
            "add_permission on the echo function for apigateway.amazonaws.com, with SourceArn "
            "this API's arn:aws:execute-api:...:{api_id}/* (api.allow_invoke does it).")
        answer = api.request("GET", f"{api.invoke_url(aws, api_id)}/api/echo")
        route_key = (answer.json or {}).get("routeKey") if answer.status == 200 else None
        yield route_key == "GET /api/echo", (
            f"GET /api/echo answered {answer.status}: {answer.text[:80]}.",
            "check the integration's payload format (2.0) and that the stage deploys "
            "automatically.")

    return grade_build("07", steps(), "GET /api/echo shows what the echo function receives, "
                                      "through the guestbook's API.")


def check_about_page(aws: Any, bucket: str) -> Outcome:
    """08: about.html in the site bucket, served as HTML, revalidated, and the bucket private."""
    from . import api, site

    s3 = aws.client("s3")

    def steps():
        try:
            head = s3.head_object(Bucket=bucket, Key="about.html")
        except s3.exceptions.ClientError:
            head = None
        yield head is not None, (
            f"there is no about.html in {bucket} yet.",
            "s3.put_object(Bucket=BUCKET, Key='about.html', Body=..., ContentType=..., "
            "CacheControl=...).")
        kind = head.get("ContentType", "")
        yield kind.startswith("text/html"), (
            f"about.html is stored as {kind!r}: a browser would not show it as a page.",
            "send ContentType='text/html; charset=utf-8' with put_object.")
        cache = head.get("CacheControl", "")
        yield cache == "no-cache", (
            f"about.html has Cache-Control {cache!r}; pages are revalidated on every visit.",
            "send CacheControl='no-cache', as upload_site does for index.html.")
        block = site.public_access_block(aws, bucket)
        anonymous = api.request("GET", site.object_url(aws, bucket, "about.html")).status
        yield all(block.values()) and anonymous == 403, (
            f"the bucket is no longer private (anonymous GET: {anonymous}, Block Public "
            f"Access: {block}).",
            "turn every Block Public Access setting back on: "
            "site.ensure_private_bucket(aws, BUCKET).")

    return grade_build("08", steps(), "about.html waits in the private bucket; CloudFront will "
                                      "serve it (notebook 09).")


def check_health_behaviour(aws: Any, distribution_id: str, domain: str) -> Outcome:
    """09: a cache behaviour /api/health, before /api/*, to the API origin, cached with
    CachingOptimized, deployed, and answering through CloudFront."""
    from . import cdn

    cloudfront = aws.client("cloudfront")

    def steps():
        config = cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]
        behaviors = config.get("CacheBehaviors", {}).get("Items") or []
        patterns = [b["PathPattern"] for b in behaviors]
        yield "/api/health" in patterns, (
            f"the distribution's behaviours are {patterns}: none for /api/health.",
            "get_distribution_config, add a behaviour to DistributionConfig['CacheBehaviors'] "
            "(Items and Quantity), then update_distribution(Id=..., IfMatch=etag, "
            "DistributionConfig=config).",
            "the behaviour: {'PathPattern': '/api/health', 'TargetOriginId': 'api', "
            "'ViewerProtocolPolicy': 'redirect-to-https', 'AllowedMethods': {...GET, HEAD...}, "
            "'CachePolicyId': cdn.CACHING_OPTIMIZED, 'OriginRequestPolicyId': "
            "cdn.ALL_VIEWER_EXCEPT_HOST_HEADER}.")
        health = behaviors[patterns.index("/api/health")]
        api_first = "/api/*" in patterns and patterns.index("/api/*") < patterns.index(
            "/api/health")
        yield not api_first, (
            f"the order is {patterns}: /api/* matches /api/health too, and it comes first.",
            "CloudFront uses the first behaviour whose pattern matches: put /api/health before "
            "/api/* in Items.")
        yield health.get("TargetOriginId") == "api", (
            f"/api/health goes to the origin {health.get('TargetOriginId')!r}.",
            "TargetOriginId='api': the health check is answered by the function.")
        yield health.get("CachePolicyId") == cdn.CACHING_OPTIMIZED, (
            "/api/health is not cached with CachingOptimized.",
            "CachePolicyId=cdn.CACHING_OPTIMIZED (the managed policy "
            f"{cdn.CACHING_OPTIMIZED}).")
        methods = sorted(health.get("AllowedMethods", {}).get("Items", []))
        yield methods == ["GET", "HEAD"], (
            f"/api/health allows {methods}; a cached read needs only GET and HEAD.",
            "'AllowedMethods': {'Quantity': 2, 'Items': ['GET', 'HEAD'], 'CachedMethods': "
            "{'Quantity': 2, 'Items': ['GET', 'HEAD']}}.")
        yield health.get("OriginRequestPolicyId") == cdn.ALL_VIEWER_EXCEPT_HOST_HEADER, (
            "the behaviour would send the viewer's Host to API Gateway, which refuses it.",
            "OriginRequestPolicyId=cdn.ALL_VIEWER_EXCEPT_HOST_HEADER, as /api/* has.")
        status = cloudfront.get_distribution(Id=distribution_id)["Distribution"]["Status"]
        yield status == "Deployed", (
            f"the distribution is {status}: CloudFront is still deploying the change.",
            "cdn.wait_deployed(aws, distribution['Id']), then check again.")
        answer = cdn.request(aws, domain, "GET", "/api/health")
        yield answer.status == 200 and answer.json == {"status": "ok"}, (
            f"GET /api/health through CloudFront answered {answer.status}: {answer.text[:80]}.",
            "compare the behaviour with /api/*: same origin, same origin request policy.")

    return grade_build("09", steps(), "CloudFront may now answer /api/health from its edge "
                                      "caches, and everything else under /api/* goes on to the API.")


def check_stylesheet_release(aws: Any, app: Any) -> Outcome:
    """10: a changed style.css served through CloudFront, typed and cached like the rest, and
    an invalidation of it (or of everything) completed."""
    from . import cdn
    from .display import example_path

    cloudfront = aws.client("cloudfront")
    original = example_path("guestbook", "site", "style.css").read_bytes()

    def steps():
        served = cdn.request(aws, app.host, "GET", "/style.css")
        yield served.status == 200 and served.body != original, (
            "the front door still serves the original style.css.",
            "change a copy of lambda_examples/guestbook/site/style.css and upload it to "
            "app.bucket: s3.put_object(Bucket=app.bucket, Key='style.css', ...), or "
            "site.upload_site(aws, app.bucket, your_folder).")
        kind = served.headers.get("content-type", "")
        yield kind.startswith("text/css"), (
            f"style.css is served as {kind!r}: browsers ignore a stylesheet that is not text/css.",
            "upload it with ContentType='text/css; charset=utf-8' (upload_site does).")
        cache = served.headers.get("cache-control", "")
        yield cache == "max-age=3600", (
            f"style.css has Cache-Control {cache!r}; the site's assets use max-age=3600.",
            "upload it with CacheControl='max-age=3600' (upload_site does).")
        summaries = cloudfront.list_invalidations(DistributionId=app.distribution_id)[
            "InvalidationList"].get("Items") or []
        invalidations = [cloudfront.get_invalidation(DistributionId=app.distribution_id,
                                                     Id=s["Id"])["Invalidation"]
                         for s in summaries]
        covering = [i for i in invalidations if {"/style.css", "/*"}
                    & set(i["InvalidationBatch"]["Paths"].get("Items") or [])]
        yield bool(covering), (
            "no invalidation covers /style.css: edges that cached the old file keep it for up "
            "to an hour.",
            "cdn.invalidate(aws, app.distribution_id, ('/style.css',)), or "
            "cloudfront.create_invalidation(DistributionId=..., InvalidationBatch=...).")
        yield any(i["Status"].lower() == "completed" for i in covering), (
            "the invalidation is still in progress.",
            "wait for it: cdn.invalidate waits until it is Completed.")

    return grade_build("10", steps(), "Released: every edge will fetch the new stylesheet.")


def check_budget_matches_bill(aws: Any) -> Outcome:
    """11: the workbook budget is twice the modelled bill at 1M API calls and 100,000 page
    views, rounded up to whole dollars, and still has its alerts."""
    import math

    from . import costs

    budgets = aws.client("budgets")
    name = aws.name_for("monthly")
    bill = costs.monthly_cost(costs.AppTraffic(requests_per_month=1_000_000,
                                               page_views_per_month=100_000)).total
    expected = math.ceil(2 * bill)

    def steps():
        try:
            budget = budgets.describe_budget(AccountId=aws.account_id, BudgetName=name)["Budget"]
        except budgets.exceptions.NotFoundException:
            budget = None
        yield budget is not None, (
            f"there is no budget {name}.",
            "create it as notebook 00 did: guardrails.budget_alert(aws, monthly_usd=..., "
            "email=...).")
        amount = float(budget["BudgetLimit"]["Amount"])
        yield amount == expected, (
            f"the budget is ${amount:.2f} a month.",
            "compute the bill with costs.monthly_cost(costs.AppTraffic(requests_per_month="
            "1_000_000, page_views_per_month=100_000)).total, double it, round up "
            "(math.ceil).",
            f"guardrails.budget_alert(aws, monthly_usd=math.ceil(2 * bill.total), email=...): "
            f"${expected} here.")
        alerts = budgets.describe_notifications_for_budget(
            AccountId=aws.account_id, BudgetName=name)["Notifications"]
        yield any(a.get("NotificationType") == "ACTUAL" for a in alerts), (
            "the budget has no alert on actual spend left: nobody would hear of it.",
            "guardrails.budget_alert puts its two alerts back.")

    return grade_build("11", steps(), f"${expected} a month: twice what the model expects, so an "
                                      "alert means something changed.")


def check_teardown_finds_your_table(aws: Any) -> Outcome:
    """12: a table workbook-scratch that the inventory lists (so teardown deletes it)."""
    from . import ledger

    dynamodb = aws.client("dynamodb")
    name = aws.name_for("scratch")

    def steps():
        try:
            table = dynamodb.describe_table(TableName=name)["Table"]
        except dynamodb.exceptions.ResourceNotFoundException:
            table = None
        yield table is not None, (
            f"there is no table {name} yet.",
            f"dynamodb.create_table(TableName='{name}', KeySchema=..., AttributeDefinitions=..., "
            "BillingMode='PAY_PER_REQUEST'), as in notebook 05.")
        tags = {t["Key"]: t["Value"] for t in dynamodb.list_tags_of_resource(
            ResourceArn=table["TableArn"]).get("Tags", [])}
        yield tags.get("workbook") == "true", (
            f"{name} has the prefix, but the inventory also wants the workbook's tag.",
            "create it with Tags=[{'Key': k, 'Value': v} for k, v in aws.tags.items()], or tag "
            "it now: dynamodb.tag_resource(ResourceArn=..., Tags=...).")
        found = [r for r in ledger.inventory(aws) if r.kind == "table" and r.name == name]
        yield bool(found), (
            "the table is tagged, but the inventory does not list it yet.",
            "the Resource Groups Tagging API can lag a little on AWS: run the check again.")

    return grade_build("12", steps(), f"The inventory lists {name}: teardown will delete it.")


def check_required_tag_scp(aws: Any, dev_unit_id: str) -> Outcome:
    """13: a workbook SCP denying dynamodb:CreateTable without an environment tag, attached to
    the dev unit."""
    import json

    organizations = aws.client("organizations")
    prefix = aws.name_for("")

    def denies_create_table(statement: dict[str, Any]) -> bool:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        return statement.get("Effect") == "Deny" and any(
            a in ("dynamodb:CreateTable", "dynamodb:*", "*") for a in actions)

    def steps():
        policies = [p for p in organizations.list_policies(Filter="SERVICE_CONTROL_POLICY")[
            "Policies"] if p["Name"].startswith(prefix)]
        documents = {p["Id"]: json.loads(organizations.describe_policy(PolicyId=p["Id"])[
            "Policy"]["Content"]) for p in policies}
        denying = {}
        for policy in policies:
            statements = documents[policy["Id"]].get("Statement", [])
            statements = [statements] if isinstance(statements, dict) else statements
            found = [s for s in statements if denies_create_table(s)]
            if found:
                denying[policy["Id"]] = (policy, found)
        yield bool(denying), (
            f"no {prefix}... service control policy denies dynamodb:CreateTable "
            f"(theirs: {sorted(p['Name'] for p in policies)}).",
            "organizations.create_policy(Name=aws.name_for('...'), Type="
            "'SERVICE_CONTROL_POLICY', Content=json.dumps(document), Description=...), "
            "or accounts.ensure_org_policy(aws, name, 'SERVICE_CONTROL_POLICY', document, "
            "dev_unit_id), which also attaches it.",
            "document = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Deny', 'Action': "
            "'dynamodb:CreateTable', 'Resource': '*', 'Condition': {...}}]}.")
        conditioned = [(policy, s) for policy, found in denying.values() for s in found
                       if str((s.get("Condition") or {}).get("Null", {}).get(
                           "aws:RequestTag/environment")).lower() == "true"]
        yield bool(conditioned), (
            "the policy denies CreateTable always, not only when the tag is missing.",
            "add 'Condition': {'Null': {'aws:RequestTag/environment': 'true'}}: Null is true "
            "when the request carries no such tag.")
        policy = conditioned[0][0]
        targets = [t["TargetId"] for t in organizations.list_targets_for_policy(
            PolicyId=policy["Id"])["Targets"]]
        yield dev_unit_id in targets, (
            f"{policy['Name']} is attached to {targets or 'nothing'}, not to the dev unit.",
            "organizations.attach_policy(PolicyId=..., TargetId=dev_unit_id).")

    return grade_build("13", steps(), "In dev, a table without an environment tag is now "
                                      "refused on AWS (the local cloud stores the SCP only).")

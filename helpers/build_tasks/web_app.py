"""Build-task checkers of notebooks 07–10: a route, a page, a cache behaviour, a release."""

from __future__ import annotations

from typing import Any

from ..grading import Outcome, grade_build


def check_echo_route(aws: Any, api_id: str, echo_function: str) -> Outcome:
    """07: GET /api/echo on the API goes to the echo function, which lets this API invoke it."""
    import json

    from .. import api

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
    from .. import api, site

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
    from .. import cdn

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
    from .. import cdn
    from ..display import example_path

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

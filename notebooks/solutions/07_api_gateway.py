"""Solutions for 07 · API Gateway. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/07_api_gateway.py
or copy one section into a cell. They use the notebook's names (`aws`, `api`, `api_id`, `base`...).
"""

# 1. Predict, then run: the function's policy names two APIs; a third gets 500.
prediction = 500

# 2. Recall: POST through the API; the answer's JSON carries the new message's id.
answer = api.request("POST", f"{base}/api/messages",
                     json_body={"name": "Exercise", "text": "done"}).json["id"]

# 3. Build: an integration for the echo function, the route, and echo's permission for this API.
# ensure_http_api adds the route (and an integration for this function) to the existing API;
# the raw calls of section 1 (create_integration, create_route, add_permission) do the same.
echo_arn = aws.client("lambda").get_function_configuration(
    FunctionName=aws.name_for("echo"))["FunctionArn"]
api.ensure_http_api(aws, API, echo_arn, routes=("GET /api/echo",))
api.allow_invoke(aws, aws.name_for("echo"), api_id)

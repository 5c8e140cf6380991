import json

import echo_event


def test_returns_the_event_as_the_json_body():
    event = {"version": "2.0", "rawPath": "/hello"}
    response = echo_event.handler(event, None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == event

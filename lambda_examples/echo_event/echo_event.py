"""Return the event Lambda received, so you can see exactly what API Gateway sends.

Put it behind an HTTP API with payload format 2.0 and another with 1.0, call both the same
way, and compare: the request is the same, the events are not.
"""

import json


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(event, sort_keys=True),
    }

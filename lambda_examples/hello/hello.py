"""A first Lambda function: greet whoever the event names.

Lambda calls ``handler(event, context)`` once per invocation:
- ``event`` is the JSON payload the caller sent, already decoded into a dict;
- ``context`` describes this invocation: its request id, the function's name,
  memory, and how much time is left before Lambda stops it.
Whatever the handler returns is encoded as JSON and sent back to the caller.
"""

import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    if not isinstance(name, str) or not name.strip():
        raise ValueError("'name' must be a non-empty string")
    logger.info("greeting %s", name)
    return {
        "message": f"Hello, {name}!",
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "memory_limit_in_mb": int(context.memory_limit_in_mb),
        "remaining_time_in_ms": context.get_remaining_time_in_millis(),
    }

"""What survives between invocations: module-level state lives as long as the execution
environment does.

Lambda imports this module once per execution environment (the *cold start*), then calls
``handler`` for every invocation that environment serves (*warm* invocations). Anything made
at module level (a counter here; in real code a boto3 client, a database connection, loaded
configuration) is reused by warm invocations. Never keep per-request data there.
"""

import logging
import os
import time
import uuid

logger = logging.getLogger()
logger.setLevel(logging.INFO)

ENVIRONMENT_ID = uuid.uuid4().hex[:8]  # a new id each time Lambda starts a new environment
STARTED_AT = time.time()
invocations = 0


MAX_WORK_SECONDS = 2.0


def handler(event, context):
    global invocations
    invocations += 1
    # {"work_seconds": 0.3} stands in for real work, so invocations overlap when sent together.
    work = event.get("work_seconds", 0) if isinstance(event, dict) else 0
    if isinstance(work, (int, float)) and work > 0:
        time.sleep(min(float(work), MAX_WORK_SECONDS))
    logger.info("invocation %d of environment %s", invocations, ENVIRONMENT_ID)
    return {
        "environment_id": ENVIRONMENT_ID,
        "invocations_in_this_environment": invocations,
        "cold_start": invocations == 1,
        "environment_age_s": round(time.time() - STARTED_AT, 3),
        "function_version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "local"),
        "greeting": os.environ.get("GREETING", "Hello"),
    }

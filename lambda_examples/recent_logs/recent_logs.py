"""Report the newest log streams of this function's own log group.

It reads CloudWatch Logs with ``logs:DescribeLogStreams``, an action the least-privilege logging
policy does not grant: deployed with that policy alone, the call is refused with
``AccessDeniedException``, and the error (which names the missing action and resource) lands in
the function's logs. Grant exactly that action on the group, and it works.
"""

import logging
import os

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

logs = boto3.client("logs")  # created once per execution environment, reused by warm invokes


def handler(event, context):
    group = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]  # set by Lambda: /aws/lambda/<name>
    # Lambda names streams YYYY/MM/DD/[version]id: by name, descending, is newest first.
    answer = logs.describe_log_streams(logGroupName=group, orderBy="LogStreamName",
                                       descending=True, limit=3)
    streams = [stream["logStreamName"] for stream in answer["logStreams"]]
    logger.info("newest streams of %s: %s", group, streams)
    return {"log_group": group, "newest_streams": streams}

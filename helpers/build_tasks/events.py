"""Build-task checkers of notebooks 14–15: an import folder for uploads, an alarm on throttles."""

from __future__ import annotations

from typing import Any

from ..grading import Outcome, grade_build


def check_import_folder(aws: Any, bucket: str, function_arn: str) -> Outcome:
    """14: the bucket invokes the import function only for new ``imports/*.csv`` objects."""
    s3 = aws.client("s3")

    def steps():
        stored = s3.get_bucket_notification_configuration(Bucket=bucket)
        ours = [c for c in stored.get("LambdaFunctionConfigurations", [])
                if c["LambdaFunctionArn"] == function_arn]
        yield bool(ours), (
            f"the bucket {bucket} does not invoke the import function any more.",
            "s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration="
            "{'LambdaFunctionConfigurations': [...]}) with LambdaFunctionArn=import_arn.")
        configuration = ours[0]
        yield any(e in ("s3:ObjectCreated:*", "s3:ObjectCreated:Put")
                  for e in configuration["Events"]), (
            f"the notification fires for {configuration['Events']}, not for new objects.",
            "Events=['s3:ObjectCreated:*'].")
        rules = {r["Name"].lower(): r["Value"] for r in configuration.get("Filter", {}).get(
            "Key", {}).get("FilterRules", [])}
        yield rules.get("prefix") == "imports/", (
            f"the filter's prefix is {rules.get('prefix')!r}: every folder still counts.",
            "a filter rule {'Name': 'prefix', 'Value': 'imports/'} next to the suffix rule.",
            "'Filter': {'Key': {'FilterRules': [{'Name': 'prefix', 'Value': 'imports/'}, "
            "{'Name': 'suffix', 'Value': '.csv'}]}}")
        yield rules.get("suffix") == ".csv", (
            f"the filter's suffix is {rules.get('suffix')!r}: other files would be imported too.",
            "keep the rule {'Name': 'suffix', 'Value': '.csv'} as well.")

    return grade_build("14", steps(), "Only CSV files in imports/ are imported now.")


def check_throttles_alarm(aws: Any, function_name: str, topic_arn: str) -> Outcome:
    """15: an alarm workbook-<function>-throttles on the function's Throttles (Sum >= 1 in a
    minute) that notifies the topic, tagged so teardown finds it."""
    cloudwatch = aws.client("cloudwatch")
    name = f"{function_name}-throttles"

    def steps():
        found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        yield bool(found), (
            "there is no alarm named COUNTER + '-throttles' yet.",
            "cloudwatch.put_metric_alarm(AlarmName=..., Namespace='AWS/Lambda', "
            "MetricName='Throttles', ...), as for Errors in section 2.")
        alarm = found[0]
        dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
        yield (alarm.get("Namespace"), alarm.get("MetricName")) == ("AWS/Lambda", "Throttles"), (
            f"{name} watches {alarm.get('Namespace')}/{alarm.get('MetricName')}.",
            "Namespace='AWS/Lambda', MetricName='Throttles'.")
        yield dimensions == {"FunctionName": function_name}, (
            f"the alarm's dimensions are {dimensions}.",
            f"Dimensions=[{{'Name': 'FunctionName', 'Value': '{function_name}'}}].")
        yield (alarm.get("Statistic") == "Sum" and alarm.get("Period") == 60
               and alarm.get("Threshold") == 1.0
               and alarm.get("ComparisonOperator") == "GreaterThanOrEqualToThreshold"), (
            "the alarm should fire on one throttle or more in a minute.",
            "Statistic='Sum', Period=60, EvaluationPeriods=1, Threshold=1, "
            "ComparisonOperator='GreaterThanOrEqualToThreshold'.")
        yield topic_arn in alarm.get("AlarmActions", []), (
            "nobody hears of it: the alarm has no action on the topic.",
            "AlarmActions=[topic_arn].")
        tags = {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(
            ResourceARN=alarm["AlarmArn"])["Tags"]}
        yield tags.get("workbook") == "true", (
            "the alarm is not tagged: teardown (notebook 12) would leave it behind.",
            "Tags=[{'Key': k, 'Value': v} for k, v in aws.tags.items()].")

    return grade_build("15", steps(), f"{name} will tell the topic when {function_name} is "
                                      "throttled.")

"""Solutions for 15 · Operate. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/15_operate.py
or copy one section into a cell. They use the notebook's names (`aws`, `cloudwatch`, `COUNTER`...).
"""

# 1. Predict, then run: destinations receive asynchronous invocations' records only; a
#    synchronous caller gets the error in its response.
prediction = 0

# 2. Build: an alarm on Throttles, which Errors does not count.
cloudwatch.put_metric_alarm(
    AlarmName=f"{COUNTER}-throttles", AlarmDescription="counter is throttled",
    Namespace="AWS/Lambda", MetricName="Throttles",
    Dimensions=[{"Name": "FunctionName", "Value": COUNTER}], Statistic="Sum", Period=60,
    EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
    TreatMissingData="notBreaching", AlarmActions=[topic_arn],
    Tags=[{"Key": k, "Value": v} for k, v in aws.tags.items()])

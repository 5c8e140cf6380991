"""Solutions for 04 · CloudWatch Logs. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/04_cloudwatch_logs.py
or copy one section into a cell. They use the notebook's names (`aws`, `logs`, `HELLO`...).
"""

# 1. Predict, then run: START, the handler's [INFO] line, END and REPORT all carry the request id.
prediction = 4

# 2. The bill in the logs: one REPORT line per invocation, each with its billed duration.
answer = sum(report["billed_ms"] for report in logs.reports(aws, COUNTER))

# 3. Build: a week of retention, and JSON records (a configuration change: a cold start next).
logs.set_retention(aws, logs.log_group_name(HELLO), days=7)
functions.deploy_function(aws, HELLO, packaging.build_zip(example_path("hello")),
                          role_arn=role_arn, handler="hello.handler",
                          logging_config={"LogFormat": "JSON"})

"""Solutions for 14 · Events. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/14_events.py
or copy one section into a cell. They use the notebook's names (`aws`, `triggers`, `BUCKET`...).
"""

# 1. Predict, then run: the notification's suffix filter is .csv; S3 never invokes for notes.txt.
prediction = 0

# 2. Build: a prefix rule next to the suffix rule (S3 keeps one notification configuration per
#    bucket, so this replaces the one from section 1).
s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={
    "LambdaFunctionConfigurations": [{
        "Id": "import-csv", "LambdaFunctionArn": import_arn, "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "imports/"},
                                           {"Name": "suffix", "Value": ".csv"}]}},
    }]})
# or: triggers.notify_function(aws, BUCKET, import_arn, prefix="imports/", suffix=".csv")

"""Solutions for 03 · Deploy and invoke. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/03_deploy_and_invoke.py
or copy one section into a cell. They use the notebook's names (`aws`, `functions`, `COUNTER`...).
"""

# 1. Predict, then run: an asynchronous invoke is accepted before the handler runs.
prediction = 202

# 2. A cold start without a code change: any configuration change replaces the environments.
functions.deploy_function(aws, COUNTER, counter_zip, role_arn=role_arn, handler="counter.handler",
                          memory_size=256)
invocation = functions.invoke(aws, COUNTER)

# 3. Build: roll back by pointing the alias at the version that says Hello; $LATEST is untouched.
lambda_client.update_alias(FunctionName=HELLO, Name="live", FunctionVersion=version_1)

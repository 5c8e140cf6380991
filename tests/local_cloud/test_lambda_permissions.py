"""Lambda resource policies as AWS keeps them: one statement per statement id."""

import pytest
from botocore.exceptions import ClientError

from helpers import api, functions, iam, packaging
from helpers.display import example_path


def test_a_statement_id_already_in_the_policy_is_refused_and_removing_it_leaves_none(aws):
    role = iam.ensure_execution_role(aws, aws.name_for("permissions-role"))
    name = aws.name_for("permissions")
    functions.deploy_function(aws, name, packaging.build_zip(example_path("hello")),
                              role_arn=role, handler="hello.handler", say=lambda m: None)
    lambda_client = aws.client("lambda")
    grant = {"FunctionName": name, "StatementId": "from-my-api", "Principal": "apigateway.amazonaws.com",
             "Action": "lambda:InvokeFunction"}
    lambda_client.add_permission(**grant)
    with pytest.raises(ClientError) as refused:
        lambda_client.add_permission(**grant)
    assert refused.value.response["Error"]["Code"] == "ResourceConflictException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert "The statement id (from-my-api) provided already exists" in str(refused.value)
    assert api.allow_invoke(aws, name, "abc123") == api.allow_invoke(aws, name, "abc123")
    assert api.revoke_invoke(aws, name, "abc123")
    assert not api.revoke_invoke(aws, name, "abc123")  # nothing left behind
    functions.delete_function(aws, name)
    iam.delete_role(aws, aws.name_for("permissions-role"))

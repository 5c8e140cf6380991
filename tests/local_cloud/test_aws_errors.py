"""When moto itself fails, the caller gets an AWS error its SDK can parse (a 500 InternalFailure in
the service's protocol), never werkzeug's HTML page. Each failure is provoked on purpose."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from moto.awslambda.models import LambdaBackend
from moto.dynamodb.models import DynamoDBBackend
from moto.iam.models import IAMBackend
from moto.s3.models import S3Backend


def broken(*args, **kwargs):
    raise RuntimeError("moto fell over")


@pytest.mark.parametrize(("service", "backend", "method", "call", "code"), [
    ("dynamodb", DynamoDBBackend, "list_tables", lambda c: c.list_tables(), "InternalFailure"),
    ("lambda", LambdaBackend, "list_functions", lambda c: c.list_functions(), "InternalFailure"),
    ("iam", IAMBackend, "list_roles", lambda c: c.list_roles(), "InternalFailure"),
    ("s3", S3Backend, "list_buckets", lambda c: c.list_buckets(), "InternalError"),
])  # fmt: skip
def test_an_exception_in_moto_is_an_aws_shaped_500(aws, monkeypatch, service, backend, method,
                                                   call, code):  # fmt: skip
    client = aws.client(service, retries={"total_max_attempts": 1})
    monkeypatch.setattr(backend, method, broken)
    with pytest.raises(ClientError) as raised:
        call(client)
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert response["Error"]["Code"] == code
    assert "RuntimeError: moto fell over" in response["Error"]["Message"]
    assert "<html" not in str(response).lower()

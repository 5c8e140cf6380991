"""DynamoDB PartiQL with ``?`` parameters on the local cloud, as AWS runs it
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html), and what the
local cloud answers when moto's parser cannot run a statement: JSON, never an HTML page."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from helpers.local_cloud.partiql_parameters import ParameterError, bind


# -- binding, without sockets ------------------------------------------------------------------------
@pytest.mark.parametrize(("statement", "parameters", "bound"), [
    ("SELECT * FROM t WHERE pk = ?", [{"S": "a"}], "SELECT * FROM t WHERE pk = 'a'"),
    ("SELECT * FROM t WHERE pk=?", [{"S": "it's"}], "SELECT * FROM t WHERE pk = 'it''s'"),
    ("SELECT * FROM t WHERE n >= ? AND n<>?", [{"N": "1.5"}, {"N": "-2"}],
     "SELECT * FROM t WHERE n >= 1.5 AND n <> -2"),
    ("INSERT INTO t VALUE {'pk': ?, 'ok': ?, 'gone': ?}", [{"S": "x"}, {"BOOL": True}, {"NULL": True}],
     "INSERT INTO t VALUE {'pk': 'x', 'ok': true, 'gone': null}"),
    ("INSERT INTO t VALUE {'pk': ?, 'tags': ?, 'doc': ?}",
     [{"S": "x"}, {"SS": ["a", "b"]}, {"M": {"list": {"L": [{"N": "1"}]}}}],
     "INSERT INTO t VALUE {'pk': 'x', 'tags': <<'a', 'b'>>, 'doc': {'list': [1]}}"),
    ("SELECT * FROM \"odd?table\" WHERE pk = 'what?' AND sk = ?", [{"S": "1"}],
     "SELECT * FROM \"odd?table\" WHERE pk = 'what?' AND sk = '1'"),  # quoted ? are not parameters
])  # fmt: skip
def test_each_question_mark_becomes_its_parameters_literal(statement, parameters, bound):
    assert bind(statement, parameters) == bound


def test_a_string_parameter_cannot_change_the_statement():
    injected = bind("SELECT * FROM t WHERE pk = ?", [{"S": "x' OR '1' = '1"}])
    assert injected == "SELECT * FROM t WHERE pk = 'x'' OR ''1'' = ''1'"


@pytest.mark.parametrize("parameters", [[], [{"S": "a"}, {"S": "b"}]])
def test_parameter_count_must_match(parameters):
    with pytest.raises(ParameterError, match="Number of parameters in request and statement"):
        bind("SELECT * FROM t WHERE pk = ?", parameters)


# -- through boto3 -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def table(aws):
    dynamodb = aws.client("dynamodb")
    name = f"partiql-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    yield dynamodb, name
    dynamodb.delete_table(TableName=name)


def run(table, statement: str, *parameters: dict) -> list[dict]:
    dynamodb, name = table
    kwargs = {"Parameters": list(parameters)} if parameters else {}
    return dynamodb.execute_statement(Statement=statement.format(t=f'"{name}"'), **kwargs)["Items"]


def test_insert_select_update_delete_with_parameters(table):
    run(table, "INSERT INTO {t} VALUE {{'pk': ?, 'n': ?}}", {"S": "a"}, {"N": "1"})
    run(table, "INSERT INTO {t} VALUE {{'pk': ?, 'n': ?}}", {"S": "b"}, {"N": "7"})
    assert run(table, "SELECT * FROM {t} WHERE pk = ?", {"S": "a"}) == [
        {"pk": {"S": "a"}, "n": {"N": "1"}}]
    run(table, "UPDATE {t} SET n = ? WHERE pk = ?", {"N": "5"}, {"S": "a"})
    assert [item["pk"]["S"] for item in run(table, "SELECT * FROM {t} WHERE n > ?", {"N": "4"})] \
        == ["a", "b"]  # fmt: skip
    run(table, "DELETE FROM {t} WHERE pk = ?", {"S": "b"})
    assert run(table, "SELECT * FROM {t}") == [{"pk": {"S": "a"}, "n": {"N": "5"}}]


def test_operators_without_spaces_work_as_on_aws(table):
    run(table, "INSERT INTO {t} VALUE {{'pk': 'c'}}")
    assert run(table, "SELECT * FROM {t} WHERE pk='c'") == [{"pk": {"S": "c"}}]


def test_parameter_count_mismatch_is_a_validation_exception(table):
    with pytest.raises(ClientError) as raised:
        run(table, "SELECT * FROM {t} WHERE pk = ?", {"S": "a"}, {"S": "b"})
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert raised.value.response["Error"]["Message"] == ("Number of parameters in request and "
                                                         "statement don't match.")


def test_what_the_parser_cannot_run_is_a_json_internal_server_error(aws, table):
    dynamodb = aws.client("dynamodb", retries={"total_max_attempts": 1})
    with pytest.raises(ClientError) as raised:
        dynamodb.execute_statement(Statement=f"INSERT INTO \"{table[1]}\" VALUE "
                                             "{'pk': 'z', 'tags': <<'a', 'b'>>}")  # fmt: skip
    error = raised.value.response["Error"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert error["Code"] == "InternalServerError"
    assert "could not run this PartiQL statement" in error["Message"]

"""policy.json grants exactly the DynamoDB actions app.py performs, on the one table."""

import ast
import json
from pathlib import Path

EXAMPLE_DIR = Path(__file__).resolve().parents[1]

# IAM has no TransactWriteItems action: each item in a transaction is authorised as the
# single-item action it performs.
TRANSACT_ITEM_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def policy() -> dict:
    return json.loads((EXAMPLE_DIR / "policy.json").read_text())


def actions_app_performs() -> set[str]:
    """Reads app.py: every `dynamodb().<operation>(...)` call and every transaction item kind."""
    tree = ast.parse((EXAMPLE_DIR / "app.py").read_text())
    operations, item_kinds = set(), set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Call)
                and getattr(node.func.value.func, "id", None) == "dynamodb"):
            operations.add(node.func.attr)
        if isinstance(node, ast.Dict):
            item_kinds |= {key.value for key in node.keys
                           if isinstance(key, ast.Constant) and key.value in TRANSACT_ITEM_ACTIONS}
    actions = set()
    for operation in operations:
        if operation == "transact_write_items":
            actions |= {TRANSACT_ITEM_ACTIONS[kind] for kind in item_kinds}
        else:  # get_item -> dynamodb:GetItem
            actions.add("dynamodb:" + operation.title().replace("_", ""))
    return actions


def test_app_performs_the_expected_operations():
    assert actions_app_performs() == {"dynamodb:Query", "dynamodb:GetItem",
                                      "dynamodb:PutItem", "dynamodb:DeleteItem"}


def test_policy_allows_exactly_what_the_app_performs():
    [statement] = policy()["Statement"]
    assert statement["Effect"] == "Allow"
    assert set(statement["Action"]) == actions_app_performs()


def test_policy_is_scoped_to_the_table_placeholders():
    [statement] = policy()["Statement"]
    assert statement["Resource"] == "arn:aws:dynamodb:${Region}:${Account}:table/${TableName}"
    assert "*" not in json.dumps(policy())

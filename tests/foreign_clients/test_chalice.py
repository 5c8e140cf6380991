"""``chalice deploy`` (installed from PyPI) against the local cloud, unchanged: it packages the
app, creates the role and the function, imports its Swagger 2.0 REST API and deploys a stage;
both routes then answer through the local API Gateway. ``chalice delete`` takes it all away."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

APP = Path(__file__).parent / "chalice_app"
CHALICE = Path(sys.executable).with_name("chalice")


def chalice(command: str, app_dir: Path, endpoint: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local",
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull)  # fmt: skip
    return subprocess.run([str(CHALICE), command], cwd=app_dir, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.fixture(scope="module")
def deployed(aws, tmp_path_factory):
    app_dir = shutil.copytree(APP, tmp_path_factory.mktemp("chalice") / "app")
    result = chalice("deploy", app_dir, aws.endpoint_url)
    assert result.returncode == 0, result.stdout + result.stderr
    resources = json.loads((app_dir / ".chalice" / "deployed" / "dev.json").read_text())
    by_name = {resource["name"]: resource for resource in resources["resources"]}
    return app_dir, by_name, result.stdout


def test_chalice_deploy_completes_and_says_where_the_api_is(deployed):
    _, resources, output = deployed
    rest_api_id = resources["rest_api"]["rest_api_id"]
    assert f"Rest API URL: https://{rest_api_id}.execute-api.us-east-1.amazonaws.com/api/" in output
    assert resources["api_handler"]["lambda_arn"].endswith(":function:two-routes-dev")


def test_both_routes_answer_through_the_local_api_gateway(aws, deployed, http_request):
    _, resources, _ = deployed
    base = f"{aws.endpoint_url}/_aws/execute-api/{resources['rest_api']['rest_api_id']}/api"
    index = http_request(f"{base}/")
    assert (index.status, index.json()) == (200, {"hello": "world"})
    read = http_request(f"{base}/items/7")
    assert read.json() == {"item": "7", "method": "GET", "body": None}
    written = http_request(f"{base}/items/8", "PUT", {"colour": "blue"})
    assert (written.status, written.json()) == (200, {"item": "8", "method": "PUT",
                                                      "body": {"colour": "blue"}})
    assert http_request(f"{base}/nowhere").status == 403  # REST: Missing Authentication Token


def test_chalice_delete_removes_what_deploy_made(aws, deployed):
    app_dir, resources, _ = deployed
    result = chalice("delete", app_dir, aws.endpoint_url)
    assert result.returncode == 0, result.stdout + result.stderr
    apis = aws.client("apigateway").get_rest_apis()["items"]
    assert resources["rest_api"]["rest_api_id"] not in [api["id"] for api in apis]
    functions = aws.client("lambda").list_functions()["Functions"]
    assert "two-routes-dev" not in [function["FunctionName"] for function in functions]

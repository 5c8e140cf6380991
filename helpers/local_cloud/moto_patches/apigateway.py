"""API Gateway: HTTP API quick create, integration timeouts, Swagger 2.0 imports."""

from __future__ import annotations

import json
import re
from typing import Any

from .importing import after_import


def install() -> None:
    _quick_create_http_apis()
    _refuse_http_api_integration_timeouts_out_of_range()
    # moto.apigateway.models takes seconds to import (an OpenAPI validator): patch it when it is.
    after_import("moto.apigateway.models", _import_swagger_rest_apis)
    after_import("moto.apigateway.models", _refuse_rest_api_integration_timeouts_out_of_range)


# -- fidelity: API Gateway quick create and integration timeouts ------------------------------------
LAMBDA_TARGET = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$")


def _quick_create_http_apis() -> None:
    """``CreateApi`` with ``Target`` (quick create) makes, as on AWS, an integration (AWS_PROXY with
    payload 2.0 for a function ARN, HTTP_PROXY for a URL), a route (``RouteKey``, by default
    ``$default``) to it and a ``$default`` stage that deploys automatically. moto ignores Target."""
    from moto.apigatewayv2.exceptions import BadRequestException
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    if getattr(ApiGatewayV2Response, "_workbook_quick_create", False):
        return
    create_api = ApiGatewayV2Response.create_api

    def quick_create(self: Any) -> Any:
        params = json.loads(self.body or "{}")
        target = params.get("target")
        quick = {key: params[key] for key in ("target", "routeKey", "credentialsArn") if key in params}
        if quick and params.get("protocolType") != "HTTP":
            raise BadRequestException(f"{', '.join(quick)} supported only for HTTP APIs")
        is_function = bool(target and LAMBDA_TARGET.match(target))
        if target and not is_function and not re.match(r"^https?://[^\s]+$", target):
            raise BadRequestException(f"Invalid target {target}: give a Lambda function ARN or a "
                                      "fully qualified http(s) URL.")  # fmt: skip
        status, headers, body = create_api(self)
        if target:
            api = self.apigatewayv2_backend.get_api(json.loads(body)["apiId"])
            integration = api.create_integration(
                connection_type="INTERNET", description=None, integration_method="POST",
                integration_type="AWS_PROXY" if is_function else "HTTP_PROXY",
                integration_uri=target, credentials_arn=params.get("credentialsArn"),
                payload_format_version="2.0" if is_function else "1.0", timeout_in_millis="30000",
            )  # fmt: skip
            api.create_route(api_key_required=False, authorization_scopes=[],
                             route_key=params.get("routeKey") or "$default",
                             target=f"integrations/{integration.id}", authorization_type="NONE")
            api.create_stage({"stageName": "$default", "autoDeploy": True})
        return status, headers, body

    ApiGatewayV2Response.create_api = quick_create
    ApiGatewayV2Response._workbook_quick_create = True


def _refuse_http_api_integration_timeouts_out_of_range() -> None:
    """``TimeoutInMillis`` must be 50..30,000 for HTTP API integrations; moto keeps any value."""
    from moto.apigatewayv2.exceptions import BadRequestException
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    from ..limits import integration_timeout_refusal

    if getattr(ApiGatewayV2Response, "_workbook_timeouts", False):
        return

    def checked(method: Any) -> Any:
        def check(self: Any) -> Any:
            timeout = json.loads(self.body or "{}").get("timeoutInMillis")
            if (refused := integration_timeout_refusal(timeout, "http")) is not None:
                raise BadRequestException(refused.message)
            return method(self)

        return check

    for name in ("create_integration", "update_integration"):
        setattr(ApiGatewayV2Response, name, checked(getattr(ApiGatewayV2Response, name)))
    ApiGatewayV2Response._workbook_timeouts = True


def _refuse_rest_api_integration_timeouts_out_of_range() -> None:
    """... and 50..29,000 for REST API integrations (the default quota)."""
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.models import APIGatewayBackend

    from ..limits import integration_timeout_refusal

    if getattr(APIGatewayBackend, "_workbook_timeouts", False):
        return
    put_integration = APIGatewayBackend.put_integration

    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        refused = integration_timeout_refusal(kwargs.get("timeout_in_millis"), "rest")
        if refused is not None:
            raise BadRequestException(refused.message)
        return put_integration(self, *args, **kwargs)

    APIGatewayBackend.put_integration = checked
    APIGatewayBackend._workbook_timeouts = True



# -- fidelity: ImportRestApi and PutRestApi with Swagger 2.0 -----------------------------------------
def _import_swagger_rest_apis() -> None:
    """Swagger 2.0 definitions (what ``chalice deploy`` sends) import as on AWS: moto reads the
    same paths, methods and integrations from the OpenAPI 3 form ``openapi_import`` gives it."""
    import yaml
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.models import APIGatewayBackend, validate
    from moto.apigateway.responses import APIGatewayResponse

    from ..openapi_import import InvalidDefinition, for_moto

    if getattr(APIGatewayBackend, "_workbook_swagger", False):
        return
    import_rest_api, put_rest_api = APIGatewayBackend.import_rest_api, APIGatewayBackend.put_rest_api

    def prepared(document: Any, fail_on_warnings: bool) -> tuple[dict[str, Any], list[str]]:
        if fail_on_warnings:
            try:
                validate(document)
            except Exception as error:  # openapi-spec-validator's errors
                raise BadRequestException("Failed to parse the uploaded OpenAPI document due to: "
                                          f"{getattr(error, 'message', error)}") from None
        try:
            return for_moto(document)
        except InvalidDefinition as error:
            raise BadRequestException(str(error)) from None

    def imported(self: Any, api_doc: Any, fail_on_warnings: bool) -> Any:
        document, binary = prepared(api_doc, fail_on_warnings)
        api = import_rest_api(self, document, False)
        api.binaryMediaTypes = binary or api.binaryMediaTypes
        return api

    def put(self: Any, function_id: str, api_doc: Any, fail_on_warnings: bool,
            mode: str = "merge") -> Any:  # fmt: skip
        document, binary = prepared(api_doc, fail_on_warnings)
        api = put_rest_api(self, function_id, document, False, mode)
        api.binaryMediaTypes = binary or api.binaryMediaTypes
        return api

    def import_rest_api_call(self: Any) -> Any:  # moto creates a nameless API from any body
        try:
            document = json.loads(self.body)
        except ValueError:
            document = yaml.safe_load(self.body)
        prepared(document, False)
        return import_call(self)

    import_call = APIGatewayResponse.import_rest_api
    APIGatewayResponse.import_rest_api = import_rest_api_call
    APIGatewayBackend.import_rest_api = imported
    APIGatewayBackend.put_rest_api = put
    APIGatewayBackend._workbook_swagger = True

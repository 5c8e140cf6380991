"""API definitions for ``ImportRestApi`` and ``PutRestApi``, made readable for moto.

AWS imports Swagger 2.0 and OpenAPI 3.x documents
(https://docs.aws.amazon.com/apigateway/latest/developerguide/import-edge-optimized-api.html);
``chalice deploy`` sends Swagger 2.0. moto refuses Swagger 2.0, requires ``info.description`` and
reads only paths, methods, their responses and ``x-amazon-apigateway-integration``. Those parts
mean the same in both versions, so a Swagger 2.0 document becomes the OpenAPI 3 subset moto
reads, with the normalisations AWS applies on import.
"""

from __future__ import annotations

import copy
from typing import Any

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ANY_METHOD = "x-amazon-apigateway-any-method"
BINARY_MEDIA_TYPES = "x-amazon-apigateway-binary-media-types"


class InvalidDefinition(ValueError):
    """The document is not an API definition API Gateway imports."""


def for_moto(document: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(the OpenAPI 3 document moto reads, the binary media types the definition declares)."""
    if not isinstance(document, dict):
        raise InvalidDefinition("The API definition must be a JSON or YAML object.")
    version = str(document.get("swagger") or document.get("openapi") or "")
    if version != "2.0" and not version.startswith("3"):
        raise InvalidDefinition(f"Unsupported API definition version {version or '(none)'}: "
                                "import Swagger 2.0 or OpenAPI 3.x.")  # fmt: skip
    converted = copy.deepcopy(document)
    converted.pop("swagger", None)
    converted["openapi"] = version if version.startswith("3") else "3.0.1"
    info = converted.setdefault("info", {})
    if not info.get("title"):
        raise InvalidDefinition("The API definition has no info.title, which names the API.")
    info.setdefault("description", "")
    paths: dict[str, Any] = {}
    for path, item in (converted.get("paths") or {}).items():
        methods: dict[str, Any] = {}
        for key, operation in (item or {}).items():
            lowered = key.lower()
            method = "ANY" if lowered in (ANY_METHOD, "any") else (
                key.upper() if lowered in HTTP_METHODS else None)
            if method is None or not isinstance(operation, dict):
                continue  # path-level parameters, summaries, vendor extensions
            integration = operation.get("x-amazon-apigateway-integration")
            if isinstance(integration, dict) and isinstance(integration.get("type"), str):
                integration["type"] = integration["type"].upper()  # aws_proxy -> AWS_PROXY
            methods[method] = operation
        paths[path] = methods
    converted["paths"] = paths
    binary = converted.get(BINARY_MEDIA_TYPES) or []
    return converted, [str(media_type) for media_type in binary]

"""moto's server: its settings and patches, its WSGI app, the header names it preserves, the
account of an access key, and the exceptions it raises for AWS errors."""

from __future__ import annotations

from typing import Any


def configure() -> None:
    """Settings and patches that must be in place before moto creates its backends."""
    from moto import settings

    from .. import moto_patches

    moto_patches.install()
    # So AWSLambdaBasicExecutionRole and friends can be attached, as on AWS.
    settings.default_user_config.setdefault("iam", {})["load_aws_managed_policies"] = True


def wsgi_app() -> Any:
    """moto's server as one WSGI application (it picks the service for each request)."""
    from moto.moto_server import werkzeug_app

    # moto wraps every backend in flask-cors reflecting any Origin: any web page could drive
    # the cloud. CORS belongs to the data planes (API Gateway, S3 bucket configuration).
    werkzeug_app.DISABLE_GLOBAL_CORS = True
    return werkzeug_app.DomainDispatcherApplication(werkzeug_app.create_backend_app)


def service_app(moto_app: Any, environ: dict[str, Any]) -> Any:
    """The WSGI app of the one service a request is for (moto's per-request search, done once)."""
    return moto_app.get_application(environ)


def preserved_header_names() -> tuple[str, Any, Any]:
    """(environ key, environ_key_for_header, should_preserve_original_header_name): how moto's
    request handler keeps the header names a client spelled (S3 metadata keeps its case)."""
    from moto.core.request import (
        PRESERVED_HEADER_NAMES_ENVIRON_KEY,
        environ_key_for_header,
        should_preserve_original_header_name,
    )

    return (PRESERVED_HEADER_NAMES_ENVIRON_KEY, environ_key_for_header,
            should_preserve_original_header_name)  # fmt: skip


def account_of_access_key(access_key: str) -> str:
    """The account moto assigns to an access key (its default account for unknown keys)."""
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


def api_errors() -> tuple[type[Exception], ...]:
    """What moto raises for an AWS error (a missing function, an unknown role...): JSON-protocol
    services raise ``JsonRESTError`` (Lambda's ``LambdaClientError`` too), newer ones
    ``ServiceException`` (IAM's ``NoSuchEntity``)."""
    from moto.core.exceptions import JsonRESTError, ServiceException

    return JsonRESTError, ServiceException

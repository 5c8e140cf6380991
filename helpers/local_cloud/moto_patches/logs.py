"""CloudWatch Logs filter patterns as AWS reads them (``logs_filter.py``)."""

from __future__ import annotations

from typing import Any


def install() -> None:
    _filter_log_events_with_aws_patterns()


# -- fidelity: CloudWatch Logs filter patterns ------------------------------------------------------
PATTERN_PARAMETERS = {  # LogsBackend method -> the name of its filter-pattern parameter
    "filter_log_events": "filter_pattern", "put_metric_filter": "filter_pattern",
    "put_subscription_filter": "filter_pattern", "start_live_tail": "log_event_filter_pattern",
}  # fmt: skip


def _filter_log_events_with_aws_patterns() -> None:
    """moto's Logs understands plain terms only (a JSON pattern such as ``{ $.level = "ERROR" }``
    matches every event). Events are matched with ``logs_filter`` instead, and a pattern AWS
    refuses gets AWS's ``InvalidParameterException``."""
    import inspect

    from moto.logs import models
    from moto.logs.exceptions import InvalidParameterException

    from ..logs_filter import MAX_PATTERN_LENGTH, InvalidFilterPattern, compile_pattern

    if getattr(models, "_workbook_filter_patterns", False):
        return

    class EventMessageFilter:  # the name and interface moto's models use
        def __init__(self, pattern: str):
            self.matches = compile_pattern(pattern or "")

    def validate(pattern: str | None) -> None:
        if pattern and len(pattern) > MAX_PATTERN_LENGTH:
            raise InvalidParameterException(
                constraint=f"Member must have length less than or equal to {MAX_PATTERN_LENGTH}",
                parameter="filterPattern", value=pattern)  # fmt: skip
        try:
            compile_pattern(pattern or "")
        except InvalidFilterPattern as error:
            raise InvalidParameterException(msg=f"Invalid filter pattern: {error}") from None

    def validating(method: Any, parameter: str) -> Any:
        signature = inspect.signature(method)

        def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
            validate(signature.bind(self, *args, **kwargs).arguments.get(parameter))
            return method(self, *args, **kwargs)

        return checked

    models.EventMessageFilter = EventMessageFilter
    for name, parameter in PATTERN_PARAMETERS.items():
        setattr(models.LogsBackend, name, validating(getattr(models.LogsBackend, name), parameter))
    models._workbook_filter_patterns = True

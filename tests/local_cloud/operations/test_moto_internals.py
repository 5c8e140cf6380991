"""The moto internals that moto_adapter's operate section relies on still exist (fails first when
moto is upgraded and moves them)."""

import inspect

import moto


def test_moto_is_the_version_the_adapter_was_written_for():
    major, minor = (int(part) for part in moto.__version__.split(".")[:2])
    assert (major, minor) >= (5, 2), "moto_adapter was written against moto 5.2: re-check it"


def test_the_lambda_internals_exist():
    from moto.awslambda.models import LambdaBackend, LambdaFunction, LambdaStorage
    from moto.awslambda.responses import LambdaResponse

    source = inspect.getsource(inspect.getmodule(LambdaFunction))  # as shipped, before patches
    assert "self._functions: dict" in source and "self._lambdas = LambdaStorage(" in source
    assert "self.reserved_concurrency = " in source
    assert callable(LambdaStorage.get_function_by_name_or_arn_with_qualifier)
    assert callable(LambdaBackend.put_function_concurrency)
    for method in ("put_function_event_invoke_config", "update_function_event_invoke_config",
                   "get_function_event_invoke_config", "delete_function_event_invoke_config",
                   "list_function_event_invoke_configs"):  # fmt: skip
        assert callable(getattr(LambdaResponse, method))


def test_the_cloudwatch_internals_exist():
    from moto.cloudwatch.models import (
        Alarm,
        CloudWatchBackend,
        MetricAggregatedDatum,
        Statistics,
    )

    source = inspect.getsource(inspect.getmodule(Alarm))  # as shipped, before patches
    assert "self.metric_data: list[MetricDatumBase] = []" in source
    assert {"min_stat", "max_stat", "sample_count", "sum_stat"} <= set(
        inspect.signature(MetricAggregatedDatum.__init__).parameters)  # fmt: skip
    assert callable(CloudWatchBackend.put_metric_alarm)
    for attribute in ("metric_data_queries", "rule", "state_value", "treat_missing_data",
                      "datapoints_to_alarm", "configuration_updated_timestamp"):  # fmt: skip
        assert f"self.{attribute}" in source
    assert callable(Alarm.update_state) and callable(Statistics.get_statistics_for_type)


def test_the_messaging_entry_points_exist():
    from moto.events.models import EventsBackend
    from moto.sns.models import SNSBackend
    from moto.sqs.models import SQSBackend

    assert "message_attributes" in inspect.signature(SQSBackend.send_message).parameters
    assert {"arn", "subject", "message_attributes"} <= set(
        inspect.signature(SNSBackend.publish).parameters)  # fmt: skip
    assert callable(EventsBackend.put_events)

"""The moto internals ``moto_adapter`` relies on still exist in the installed moto."""

import moto
from moto.awslambda.models import EventSourceMapping, LambdaBackend, LambdaFunction
from moto.dynamodb.models.table import StreamShard, Table
from moto.events.models import EventPattern, Rule
from moto.kinesis.models import Shard, Stream
from moto.s3 import notifications
from moto.s3.models import S3Backend
from moto.sns.models import Subscription
from moto.sqs.models import Message, Queue

from helpers.local_cloud import moto_adapter


def test_the_moto_version_is_the_one_the_adapter_was_written_for():
    assert moto.__version__ == moto_adapter.MOTO_VERSION_TESTED == moto_adapter.moto_version()


def test_the_events_section_finds_what_it_reads_and_patches():
    for owner, names in {
        notifications: ["send_event", "_get_s3_event", "_invoke_awslambda"],
        LambdaBackend: ["create_event_source_mapping", "send_sqs_batch", "send_sns_message"],
        LambdaFunction: ["invoke", "_invoke_lambda"],
        EventSourceMapping: ["get_configuration"],
        Queue: ["add_message", "messages"],
        Message: ["body_md5", "mark_received", "change_visibility"],
        StreamShard: ["add", "to_json"],
        Table: ["set_stream_specification"],
        Rule: ["send_to_targets", "_send_to_sqs_queue"],
        EventPattern: ["matches_event"],
        Subscription: ["publish", "_parse_message_structure"],
        S3Backend: ["_set_delete_marker", "get_bucket"],
        Stream: ["put_record"],
        Shard: ["get_max_sequence_number", "put_record"],
    }.items():
        missing = [name for name in names if not hasattr(owner, name)]
        assert not missing, f"{owner.__name__} lost {missing}: update moto_adapter/moto_patches"
    from moto.sqs import models

    assert callable(models.unix_time) and callable(models.unix_time_millis)

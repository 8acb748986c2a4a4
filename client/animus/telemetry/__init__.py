"""OpenTelemetry for animus: set-up, GenAI and work-queue helpers, and sqlcommenter for asyncpg.

The conventions followed (semconv v1.40.0) and the attribute tables are in
``docs/observability.md``.
"""

from .config import TelemetryConfig, TelemetryGuard, init_telemetry
from .gauges import QueueGauges
from .genai import (
    genai_operation,
    record_operation_duration,
    record_token_usage,
    start_chat_span,
    start_embedding_span,
)
from .sqlcommenter import CommentingConnection, SqlCommenter, commenting_connection_class
from .tree import render_span_tree
from .work import (
    parse_traceparent,
    record_work_lifecycle,
    register_queue_gauges,
    start_work_span,
)

__all__ = [
    "CommentingConnection",
    "QueueGauges",
    "SqlCommenter",
    "TelemetryConfig",
    "TelemetryGuard",
    "commenting_connection_class",
    "genai_operation",
    "init_telemetry",
    "parse_traceparent",
    "record_operation_duration",
    "record_token_usage",
    "record_work_lifecycle",
    "register_queue_gauges",
    "render_span_tree",
    "start_chat_span",
    "start_embedding_span",
    "start_work_span",
]

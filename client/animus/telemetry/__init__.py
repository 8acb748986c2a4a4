"""OpenTelemetry for animus: set-up, GenAI and work-queue helpers, and sqlcommenter for asyncpg.

The conventions followed (semconv v1.40.0) and the attribute tables are in
``docs/observability.md``.

The names below are imported on first use (PEP 562): the client's own modules import the
light submodules they need (``genai``, ``wiring``: the OpenTelemetry API only), and the SDK
and its exporters (``config``, ``tree``) load only when telemetry is set up or rendered.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> the submodule that defines it
_EXPORTS = {
    "TelemetryConfig": "config",
    "TelemetryGuard": "config",
    "init_telemetry": "config",
    "QueueGauges": "gauges",
    "genai_operation": "genai",
    "record_operation_duration": "genai",
    "record_token_usage": "genai",
    "start_chat_span": "genai",
    "start_embedding_span": "genai",
    "CommentingConnection": "sqlcommenter",
    "SqlCommenter": "sqlcommenter",
    "commenting_connection_class": "sqlcommenter",
    "render_span_tree": "tree",
    "parse_traceparent": "work",
    "record_work_lifecycle": "work",
    "register_queue_gauges": "work",
    "start_work_span": "work",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'animus.telemetry' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


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

"""GenAI spans and metrics (OpenTelemetry GenAI semantic conventions, semconv v1.40.0).

Span ``{operation} {model}`` of kind CLIENT, e.g. ``chat gpt-4o`` or ``embeddings
all-MiniLM-L6-v2``; histograms ``gen_ai.client.token.usage`` and
``gen_ai.client.operation.duration`` with the advised bucket boundaries. The embedders and the
chat model use :func:`genai_operation`, which times the call, records the duration (with
``error.type`` on failure) and ends the span.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from opentelemetry import trace
from opentelemetry.metrics import Histogram, Meter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from . import _state

__all__ = [
    "DURATION_BUCKETS",
    "TOKEN_BUCKETS",
    "GenAIOperation",
    "genai_operation",
    "record_operation_duration",
    "record_token_usage",
    "start_chat_span",
    "start_embedding_span",
]

OPERATION_NAME = "gen_ai.operation.name"
PROVIDER_NAME = "gen_ai.provider.name"
REQUEST_MODEL = "gen_ai.request.model"
RESPONSE_MODEL = "gen_ai.response.model"
TOKEN_TYPE = "gen_ai.token.type"
USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens"
USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation.input_tokens"
ERROR_TYPE = "error.type"

TOKEN_USAGE = "gen_ai.client.token.usage"
OPERATION_DURATION = "gen_ai.client.operation.duration"

#: Advised ExplicitBucketBoundaries of gen_ai.client.token.usage ({token}).
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
                 16777216, 67108864)  # fmt: skip
#: Advised ExplicitBucketBoundaries of gen_ai.client.operation.duration (s).
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48,
                    40.96, 81.92)  # fmt: skip


def _token_histogram() -> Histogram:
    def create(meter: Meter) -> Histogram:
        return meter.create_histogram(
            TOKEN_USAGE,
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=list(TOKEN_BUCKETS),
        )

    histogram: Histogram = _state.instrument(TOKEN_USAGE, create)
    return histogram


def _duration_histogram() -> Histogram:
    def create(meter: Meter) -> Histogram:
        return meter.create_histogram(
            OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )

    histogram: Histogram = _state.instrument(OPERATION_DURATION, create)
    return histogram


def _start_span(operation: str, model: str, provider: str) -> Span:
    return _state.tracer().start_span(
        f"{operation} {model}",
        kind=SpanKind.CLIENT,
        attributes={OPERATION_NAME: operation, PROVIDER_NAME: provider, REQUEST_MODEL: model},
    )


def start_chat_span(model: str, provider: str) -> Span:
    """A started ``chat {model}`` span, not yet current.

    Use it as ``with trace.use_span(span, end_on_exit=True):``.
    """
    return _start_span("chat", model, provider)


def start_embedding_span(model: str, provider: str) -> Span:
    """A started ``embeddings {model}`` span (not yet current)."""
    return _start_span("embeddings", model, provider)


def _metric_attributes(span: Span) -> dict[str, Any]:
    """The operation, provider and models of a GenAI span, for its metrics."""
    attrs = getattr(span, "attributes", None) or {}
    keys = (OPERATION_NAME, PROVIDER_NAME, REQUEST_MODEL, RESPONSE_MODEL)
    return {k: attrs[k] for k in keys if k in attrs}


def record_token_usage(
    span: Span, input: int, output: int | None, cache_read: int = 0, cache_create: int = 0
) -> None:
    """Set the usage attributes on ``span`` and record ``gen_ai.client.token.usage``.

    ``input`` is every input token, cached ones included, as the conventions say (OpenAI counts
    them so; add Anthropic's separate cache counts before calling). The cache counts are set on
    the span when non-zero; the histogram records input and output, as the conventions define.
    ``output=None`` (embeddings, which produce no tokens) records input only.
    """
    span.set_attribute(USAGE_INPUT_TOKENS, input)
    if output is not None:
        span.set_attribute(USAGE_OUTPUT_TOKENS, output)
    if cache_read:
        span.set_attribute(USAGE_CACHE_READ_INPUT_TOKENS, cache_read)
    if cache_create:
        span.set_attribute(USAGE_CACHE_CREATION_INPUT_TOKENS, cache_create)
    attributes = _metric_attributes(span)
    histogram = _token_histogram()
    histogram.record(input, {**attributes, TOKEN_TYPE: "input"})
    if output is not None:
        histogram.record(output, {**attributes, TOKEN_TYPE: "output"})


def record_operation_duration(
    operation: str,
    provider: str,
    duration: float | timedelta,
    model: str | None = None,
    error_type: str | None = None,
    response_model: str | None = None,
) -> None:
    """Record ``gen_ai.client.operation.duration`` in seconds (``error.type`` when it failed)."""
    seconds = duration.total_seconds() if isinstance(duration, timedelta) else float(duration)
    attributes: dict[str, str] = {OPERATION_NAME: operation, PROVIDER_NAME: provider}
    if model:
        attributes[REQUEST_MODEL] = model
    if response_model:
        attributes[RESPONSE_MODEL] = response_model
    if error_type:
        attributes[ERROR_TYPE] = error_type
    _duration_histogram().record(seconds, attributes)


class GenAIOperation:
    """The span of one GenAI call, handed out by :func:`genai_operation`."""

    def __init__(self, span: Span) -> None:
        self.span = span
        self.response_model: str | None = None

    def set_response_model(self, model: str) -> None:
        self.response_model = model
        self.span.set_attribute(RESPONSE_MODEL, model)

    def record_usage(
        self, input: int, output: int | None = None, cache_read: int = 0, cache_create: int = 0
    ) -> None:
        record_token_usage(self.span, input, output, cache_read, cache_create)


@contextmanager
def genai_operation(operation: str, model: str, provider: str) -> Iterator[GenAIOperation]:
    """A current ``{operation} {model}`` span around a GenAI call, timed into the duration metric.

    An exception sets ``error.type`` (its class name) on the span and on the metric, marks the
    span as an error, and propagates.
    """
    span = _start_span(operation, model, provider)
    op = GenAIOperation(span)
    start = time.perf_counter()
    error_type: str | None = None
    with trace.use_span(
        span, end_on_exit=True, record_exception=False, set_status_on_exception=False
    ):
        try:
            yield op
        except BaseException as exc:
            error_type = type(exc).__name__
            span.set_attribute(ERROR_TYPE, error_type)
            span.set_status(Status(StatusCode.ERROR, str(exc) or error_type))
            span.record_exception(exc)
            raise
        finally:
            record_operation_duration(
                operation,
                provider,
                time.perf_counter() - start,
                model=model,
                error_type=error_type,
                response_model=op.response_model,
            )

"""Work-queue spans and metrics (OpenTelemetry messaging conventions, semconv v1.40.0).

``send {queue}`` (PRODUCER) around submit, ``receive {queue}`` (CLIENT) around read,
``process {queue}`` (CONSUMER) around the handling of one item, and ``settle {queue}``
(CLIENT) around complete or fail. The process span links to the span that submitted the item,
through the traceparent that ``read_work`` returns; see :func:`start_work_span`.

Each span's name, kind and attributes are defined once, by :func:`send_span`,
:func:`receive_span`, :func:`process_span` and :func:`settle_span`; ``Db`` opens the send,
receive and settle spans from them (``telemetry.wiring``), a worker the process span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple
from uuid import UUID

from opentelemetry import trace
from opentelemetry.metrics import CallbackOptions, Counter, Meter, Observation
from opentelemetry.trace import Link, Span, SpanContext, SpanKind, TraceFlags

from . import _state

__all__ = [
    "QueueOverviewSource",
    "SpanSpec",
    "count_work_transition",
    "parse_traceparent",
    "process_span",
    "receive_span",
    "record_work_lifecycle",
    "register_queue_gauges",
    "send_span",
    "settle_span",
    "start_work_span",
]

MESSAGING_SYSTEM = "messaging.system"
OPERATION_NAME = "messaging.operation.name"
OPERATION_TYPE = "messaging.operation.type"
DESTINATION_NAME = "messaging.destination.name"
MESSAGE_ID = "messaging.message.id"
BATCH_MESSAGE_COUNT = "messaging.batch.message_count"
WORK_ID = "animus.work.id"
WORK_TYPE = "animus.work.type"
WORK_STATE_FROM = "animus.work.state.from"
WORK_STATE_TO = "animus.work.state.to"
WORK_STATE = "animus.work.state"
SYSTEM = "pgmq"

TRANSITIONS = "animus.work.transitions"
QUEUE_DEPTH = "animus.queue.depth"
QUEUE_OLDEST_AGE = "animus.queue.oldest_age"

_TRACEPARENT = re.compile(r"\A00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})\Z")


def parse_traceparent(traceparent: str | None) -> SpanContext | None:
    """The remote span context of a W3C ``traceparent`` (version 00), or None if malformed."""
    if not traceparent:
        return None
    match = _TRACEPARENT.match(traceparent.strip())
    if not match:
        return None
    trace_id, span_id = int(match[1], 16), int(match[2], 16)
    if trace_id == 0 or span_id == 0:
        return None
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(int(match[3], 16)))


class SpanSpec(NamedTuple):
    """A work span's name, kind and attributes: the one definition that ``Db``'s spans
    (``telemetry.wiring.WorkTelemetry``) and :func:`start_work_span` are started from."""

    name: str
    kind: SpanKind
    attributes: dict[str, Any]


def _spec(
    operation: str, op_type: str, queue: str | None, kind: SpanKind, **extra: Any
) -> SpanSpec:
    """``{op_type} {queue}`` (just ``{op_type}`` without a queue), with the messaging
    attributes; ``extra`` attributes that are None are left out."""
    attrs: dict[str, Any] = {
        MESSAGING_SYSTEM: SYSTEM,
        OPERATION_NAME: operation,
        OPERATION_TYPE: op_type,
    }
    if queue:
        attrs[DESTINATION_NAME] = queue
    attrs.update({k: v for k, v in extra.items() if v is not None})
    return SpanSpec(f"{op_type} {queue}" if queue else op_type, kind, attrs)


def _msg_id(msg_id: int | None) -> str | None:
    return None if msg_id is None else str(msg_id)


def send_span(
    queue: str | None, work_type: str | None = None, batch_count: int | None = None
) -> SpanSpec:
    """``send {queue}`` (PRODUCER) around submit_work, or submit_batch (``batch_count``; no
    queue when the batch spans several)."""
    return _spec(
        "send",
        "send",
        queue,
        SpanKind.PRODUCER,
        **{WORK_TYPE: work_type, BATCH_MESSAGE_COUNT: batch_count},
    )


def receive_span(queue: str) -> SpanSpec:
    """``receive {queue}`` (CLIENT) around read_work."""
    return _spec("receive", "receive", queue, SpanKind.CLIENT)


def process_span(
    work_type: str, work_id: UUID | str, queue: str | None = None, msg_id: int | None = None
) -> SpanSpec:
    """``process {queue}`` (CONSUMER, named for the work type when the queue is unknown)."""
    return _spec(
        "process",
        "process",
        queue or work_type,
        SpanKind.CONSUMER,
        **{WORK_TYPE: work_type, WORK_ID: str(work_id), MESSAGE_ID: _msg_id(msg_id)},
    )


def settle_span(
    operation: str,
    queue: str | None,
    work_id: UUID | str | None = None,
    msg_id: int | None = None,
    work_type: str | None = None,
) -> SpanSpec:
    """``settle {queue}`` (CLIENT) around complete, fail, archive or delete (``operation``);
    just ``settle`` when the queue is unknown."""
    return _spec(
        operation,
        "settle",
        queue,
        SpanKind.CLIENT,
        **{
            WORK_ID: None if work_id is None else str(work_id),
            MESSAGE_ID: _msg_id(msg_id),
            WORK_TYPE: work_type,
        },
    )


def start_work_span(
    work_type: str,
    work_id: UUID | str,
    traceparent: str | None = None,
    queue: str | None = None,
    msg_id: int | None = None,
    *,
    parent_on_submitter: bool = False,
) -> Span:
    """``process {queue}`` (CONSUMER) for one work item, linked to the span that submitted it.

    The span's parent is the current context (the worker's own trace) and it carries a link to
    the submitter's span context parsed from ``traceparent``, as the messaging conventions
    advise: a worker's read can deliver items from many producers, and a retried item is
    processed more than once. With ``parent_on_submitter=True`` the submitter's context becomes
    the parent too, so the whole path shows as one trace (the link stays). A malformed or
    missing traceparent gives a span without a link.
    """
    submitter = parse_traceparent(traceparent)
    links = [Link(submitter)] if submitter else []
    context = None
    if parent_on_submitter and submitter:
        context = trace.set_span_in_context(trace.NonRecordingSpan(submitter))
    spec = process_span(work_type, work_id, queue, msg_id)
    return _state.tracer().start_span(
        spec.name, context=context, kind=spec.kind, links=links, attributes=spec.attributes
    )


def _transitions() -> Counter:
    def create(meter: Meter) -> Counter:
        return meter.create_counter(
            TRANSITIONS, unit="{transition}", description="Work item state transitions."
        )

    counter: Counter = _state.instrument(TRANSITIONS, create)
    return counter


def record_work_lifecycle(
    work_id: UUID | str, from_state: str, to_state: str, work_type: str | None = None
) -> None:
    """An ``animus.work.transition`` event on the current span; +1 on ``animus.work.transitions``.

    The counter carries the states (and the work type), never the work id, which would give
    every item its own time series.
    """
    trace.get_current_span().add_event(
        "animus.work.transition",
        {WORK_ID: str(work_id), WORK_STATE_FROM: from_state, WORK_STATE_TO: to_state},
    )
    count_work_transition(from_state, to_state, work_type)


def count_work_transition(from_state: str, to_state: str, work_type: str | None = None) -> None:
    """+1 on ``animus.work.transitions`` (the counter half of :func:`record_work_lifecycle`)."""
    attrs = {WORK_STATE_FROM: from_state, WORK_STATE_TO: to_state}
    if work_type:
        attrs[WORK_TYPE] = work_type
    _transitions().add(1, attrs)


#: Returns the latest rows of ``animus.queue_overview`` (mappings with at least queue_name,
#: queued, running, dead, merged, oldest_queued_age). Called on the exporter's thread, so it
#: must not block on the database: keep a snapshot that an async task refreshes.
QueueOverviewSource = Callable[[], Iterable[Mapping[str, Any]]]

_DEPTH_STATES = ("queued", "running", "dead", "merged")


def register_queue_gauges(source: QueueOverviewSource) -> None:
    """Observable gauges ``animus.queue.depth`` (per queue, state), ``animus.queue.oldest_age``."""

    def depth(_: CallbackOptions) -> Iterable[Observation]:
        for row in source():
            for state in _DEPTH_STATES:
                if row.get(state) is not None:
                    yield Observation(
                        int(row[state]),
                        {
                            MESSAGING_SYSTEM: SYSTEM,
                            DESTINATION_NAME: row["queue_name"],
                            WORK_STATE: state,
                        },
                    )

    def oldest_age(_: CallbackOptions) -> Iterable[Observation]:
        for row in source():
            age = row.get("oldest_queued_age")
            if age is not None:
                seconds = age.total_seconds() if hasattr(age, "total_seconds") else float(age)
                yield Observation(
                    seconds, {MESSAGING_SYSTEM: SYSTEM, DESTINATION_NAME: row["queue_name"]}
                )

    meter = _state.meter()
    meter.create_observable_gauge(
        QUEUE_DEPTH, [depth], unit="{message}", description="Work items per queue and state."
    )
    meter.create_observable_gauge(
        QUEUE_OLDEST_AGE,
        [oldest_age],
        unit="s",
        description="Age of the oldest queued work item per queue.",
    )

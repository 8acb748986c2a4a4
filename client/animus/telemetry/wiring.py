"""The client's work spans in one place: ``send``, ``receive`` and ``settle`` around the ``Db``
calls, the trace context handed to ``submit_work``, and the state transitions the client causes.

``Db`` holds one :class:`WorkTelemetry`. Each work call opens a :class:`WorkSpan` through it;
while no tracer provider is installed that is a shared no-op object, so a client without
telemetry pays one attribute check per call.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode

from . import _state
from .genai import ERROR_TYPE
from .sqlcommenter import current_trace_comment_fields
from .work import (
    BATCH_MESSAGE_COUNT,
    MESSAGE_ID,
    WORK_ID,
    SpanSpec,
    count_work_transition,
    receive_span,
    record_work_lifecycle,
    send_span,
    settle_span,
)

if TYPE_CHECKING:
    from ..models import SubmitResult, WorkItem

__all__ = ["SUBMIT_STATUS", "WorkSpan", "WorkTelemetry"]

#: ``queued`` or ``merged``: what submit_work did with the item (on the send span).
SUBMIT_STATUS = "animus.work.submit.status"


class WorkSpan:
    """A current span around one work call; records ``error.type`` when the call raises."""

    __slots__ = ("_token", "span")

    def __init__(self, span: Span) -> None:
        self.span = span
        self._token: object = None

    def __enter__(self) -> WorkSpan:
        self._token = otel_context.attach(trace.set_span_in_context(self.span))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc is not None:
                self.span.set_attribute(ERROR_TYPE, type(exc).__qualname__)
                self.span.set_status(Status(StatusCode.ERROR, str(exc) or type(exc).__name__))
                self.span.record_exception(exc)
        finally:
            otel_context.detach(self._token)  # type: ignore[arg-type]
            self.span.end()

    def set(self, key: str, value: Any) -> None:
        if value is not None:
            self.span.set_attribute(key, value)

    def trace_context(self) -> tuple[str | None, str | None]:
        """This span's traceparent and tracestate when it is recording and sampled (to hand to
        ``submit_work``), else ``(None, None)``."""
        fields = current_trace_comment_fields()
        return fields.get("traceparent"), fields.get("tracestate")

    def transition(
        self, work_id: UUID | str, from_state: str, to_state: str, work_type: str | None
    ) -> None:
        record_work_lifecycle(work_id, from_state, to_state, work_type)


class _NoWorkSpan(WorkSpan):
    """What a work call gets while tracing is off: every method does nothing."""

    __slots__ = ()

    def __init__(self) -> None:
        pass

    def __enter__(self) -> WorkSpan:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def set(self, key: str, value: Any) -> None:
        pass

    def trace_context(self) -> tuple[str | None, str | None]:
        return None, None

    def transition(self, *_: Any) -> None:
        pass


class _UnsampledWorkSpan(_NoWorkSpan):
    """What a work call gets inside an unsampled trace: no span, but transitions still count."""

    __slots__ = ()

    def transition(
        self, work_id: UUID | str, from_state: str, to_state: str, work_type: str | None
    ) -> None:
        count_work_transition(from_state, to_state, work_type)


_NO_SPAN = _NoWorkSpan()
_UNSAMPLED = _UnsampledWorkSpan()


def _skip() -> WorkSpan | None:
    """The shared stand-in when a real span would be wasted: no tracer provider (``_NO_SPAN``),
    or a current span that is not sampled (``_UNSAMPLED``: under the default parent-based
    sampler its children are not sampled either, and creating them is most of a call's client
    CPU; docs/observability.md measures it)."""
    if not _state.tracing_active():
        return _NO_SPAN
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid and not ctx.trace_flags.sampled:
        return _UNSAMPLED
    return None


class _Delivered(NamedTuple):
    queue: str
    msg_id: int
    work_type: str


class WorkTelemetry:
    """The work spans of one ``Db``, and the items it delivered and has not settled yet.

    ``complete(work_id)`` and ``fail(work_id)`` name no queue; the items this client read give
    the settle span its queue, message id and work type. Only the last ``max_remembered``
    unsettled deliveries are kept (and only while tracing is on); an item read elsewhere is
    settled under a span named ``settle`` without a destination.
    """

    def __init__(self, max_remembered: int = 10_000) -> None:
        self.max_remembered = max_remembered
        self._by_id: OrderedDict[str, _Delivered] = OrderedDict()
        self._by_msg: dict[tuple[str, int], str] = {}

    def _start(self, spec: SpanSpec) -> WorkSpan:
        return WorkSpan(
            _state.tracer().start_span(spec.name, kind=spec.kind, attributes=spec.attributes)
        )

    def send(self, queues: Iterable[str], work_type: str | None, count: int | None) -> WorkSpan:
        """``send {queue}`` (PRODUCER) around submit_work (``count`` None) or submit_batch."""
        skip = _skip()
        if skip is not None:
            return skip
        names = sorted(set(queues))
        return self._start(send_span(names[0] if len(names) == 1 else None, work_type, count))

    def submitted(self, span: WorkSpan, result: SubmitResult) -> None:
        """The ids and outcome of a single submit, on its send span."""
        if isinstance(span, _NoWorkSpan):
            return
        span.set(WORK_ID, str(result.work_id))
        span.set(MESSAGE_ID, None if result.msg_id is None else str(result.msg_id))
        span.set(SUBMIT_STATUS, result.status)

    def receive(self, queue: str) -> WorkSpan:
        """``receive {queue}`` (CLIENT) around read_work."""
        skip = _skip()
        if skip is not None:
            return skip
        return self._start(receive_span(queue))

    def delivered(self, span: WorkSpan, items: list[WorkItem]) -> None:
        """Count the delivered items, record queued→running for each, remember them."""
        if span is _NO_SPAN:
            return
        span.set(BATCH_MESSAGE_COUNT, len(items))
        for item in items:
            span.transition(item.id, "queued", "running", item.work_type)
            key = str(item.id)
            self._by_id[key] = _Delivered(item.queue_name, item.msg_id, item.work_type)
            self._by_id.move_to_end(key)
            self._by_msg[(item.queue_name, item.msg_id)] = key
        while len(self._by_id) > self.max_remembered:
            _, old = self._by_id.popitem(last=False)
            self._by_msg.pop((old.queue, old.msg_id), None)

    def settle(
        self,
        operation: str,
        work_id: UUID | None = None,
        queue: str | None = None,
        msg_id: int | None = None,
    ) -> WorkSpan:
        """``settle {queue}`` (CLIENT) around complete/fail (by ``work_id``) or archive/delete
        (by ``queue`` and ``msg_id``); ``operation`` is the messaging.operation.name."""
        skip = _skip()
        if skip is not None:
            return skip
        key = self._key(work_id, queue, msg_id)
        known = self._by_id.get(key) if key is not None else None
        if known is not None:
            queue, msg_id = known.queue, known.msg_id
        return self._start(
            settle_span(operation, queue, key, msg_id, known.work_type if known else None)
        )

    def _key(self, work_id: UUID | None, queue: str | None, msg_id: int | None) -> str | None:
        if work_id is not None:
            return str(work_id)
        if queue is not None and msg_id is not None:
            return self._by_msg.get((queue, msg_id))
        return None

    def settled(
        self,
        span: WorkSpan,
        to_state: str,
        work_id: UUID | None = None,
        queue: str | None = None,
        msg_id: int | None = None,
    ) -> None:
        """Record running→``to_state`` for the item settled under ``span`` and forget it.

        An item named only by ``queue`` and ``msg_id`` that this client did not read is
        skipped: its earlier state is unknown.
        """
        if span is _NO_SPAN:
            return
        key = self._key(work_id, queue, msg_id)
        if key is None:
            return
        known = self._by_id.pop(key, None)
        if known is not None:
            self._by_msg.pop((known.queue, known.msg_id), None)
        span.transition(key, "running", to_state, known.work_type if known else None)

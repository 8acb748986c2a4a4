"""The worker loop behind ``animus work run``: read, handle, complete or fail.

A handler is ``async def handler(db: Db, item: WorkItem) -> dict | None``; what it returns is
stored as the item's ``outcome_data``, and an exception fails the item (retried after
``retry_delay_seconds`` until its attempts are used up, then dead). The default handler,
:func:`remember`, embeds the item's text and stores it as a memory.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from ..db import Db
from ..models import NewMemory, WorkItem
from ..telemetry import start_work_span

Handler = Callable[[Db, WorkItem], Awaitable[dict[str, Any] | None]]

#: fail_work keeps the error text; longer ones are cut to this many characters
#: (the column takes 4 KiB).
MAX_ERROR_CHARS = 1000


def item_text(item: WorkItem) -> str:
    """The text a work item carries: ``params.text``, else ``params.content``, else the params
    as JSON."""
    for key in ("text", "content"):
        value = item.params.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return json.dumps(item.params, sort_keys=True, ensure_ascii=False)


async def remember(db: Db, item: WorkItem) -> dict[str, Any]:
    """The default handler: embed the item's text (:func:`item_text`) and store it as a memory.

    ``memory_type`` is ``params.memory_type`` if given, else the work type; the memory's source
    is the item's source, and its metadata names the work item, so a memory leads back to the
    work that produced it. Returns ``{"memory_id": ...}`` as the outcome.
    """
    memory_type = item.params.get("memory_type")
    memory = NewMemory(
        content=item_text(item),
        memory_type=memory_type if isinstance(memory_type, str) and memory_type else item.work_type,
        source=item.source,
        metadata={"work_id": str(item.id), "queue": item.queue_name, "work_type": item.work_type},
    )
    (memory_id,) = await db.store_memories([memory])
    return {"memory_id": memory_id}


def load_handler(spec: str) -> Handler:
    """``module:function`` to the handler it names."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"handler must be module:function, not {spec!r}")
    module = importlib.import_module(module_name)
    handler = getattr(module, attr, None)
    if not callable(handler):
        raise ValueError(f"{spec} is not a callable")
    return cast(Handler, handler)


@dataclass(frozen=True)
class ItemResult:
    """What the worker did with one delivered item."""

    item: WorkItem
    state: str  # completed, queued (will be retried) or dead
    outcome: dict[str, Any] | None
    error: str | None
    ms: int


@dataclass
class WorkerStats:
    read: int = 0
    completed: int = 0
    failed: int = 0
    results: list[ItemResult] = field(default_factory=list)


class Worker:
    """Reads ``queues`` in turn and handles each item; :meth:`stop` ends it after the current
    batch (SIGTERM in ``animus work run``)."""

    def __init__(
        self,
        db: Db,
        queues: Sequence[str],
        handler: Handler = remember,
        *,
        vt_seconds: int = 60,
        batch_size: int = 1,
        poll_interval: float = 1.0,
        retry_delay_seconds: int = 30,
        on_result: Callable[[ItemResult], None] | None = None,
    ) -> None:
        if not queues:
            raise ValueError("a worker needs at least one queue")
        self.db = db
        self.queues = list(queues)
        self.handler = handler
        self.vt_seconds = vt_seconds
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retry_delay_seconds = retry_delay_seconds
        self.on_result = on_result
        self.stats = WorkerStats()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """Finish the items already read, then return from :meth:`run`."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def run(self, *, max_items: int | None = None, until_empty: bool = False) -> WorkerStats:
        """Loop until stopped; or until ``max_items`` were handled; or, with ``until_empty``,
        until a pass over every queue delivers nothing."""
        while not self._stop.is_set():
            delivered = 0
            for queue in self.queues:
                qty = self.batch_size
                if max_items is not None:
                    qty = min(qty, max_items - self.stats.read)
                    if qty <= 0:
                        return self.stats
                items = await self.db.read_work(queue, self.vt_seconds, qty)
                delivered += len(items)
                self.stats.read += len(items)
                for item in items:
                    await self.process(item)
                if self._stop.is_set():
                    break
            if max_items is not None and self.stats.read >= max_items:
                break
            if delivered == 0:
                if until_empty:
                    break
                try:
                    await asyncio.wait_for(self._stop.wait(), self.poll_interval)
                except TimeoutError:
                    pass
        return self.stats

    async def process(self, item: WorkItem) -> ItemResult:
        """Handle one delivered item and settle it: complete on success, fail on an exception."""
        span = start_work_span(
            item.work_type, item.id, item.traceparent, queue=item.queue_name, msg_id=item.msg_id
        )
        started = time.perf_counter()
        with trace.use_span(span, end_on_exit=True):
            try:
                outcome = await self.handler(self.db, item)
            except Exception as exc:
                ms = int((time.perf_counter() - started) * 1000)
                error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                state = await self.db.fail(item.id, error, self.retry_delay_seconds)
                result = ItemResult(item, state, None, error, ms)
                self.stats.failed += 1
            else:
                ms = int((time.perf_counter() - started) * 1000)
                await self.db.complete(item.id, outcome, ms)
                result = ItemResult(item, "completed", outcome, None, ms)
                self.stats.completed += 1
        self.stats.results.append(result)
        if self.on_result is not None:
            self.on_result(result)
        return result


__all__ = [
    "Handler",
    "ItemResult",
    "Worker",
    "WorkerStats",
    "item_text",
    "load_handler",
    "remember",
]

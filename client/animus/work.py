"""Work-queue calls. Each is one call of one ``animus`` function (see ``sql.py``).

Each call runs under its messaging span (``send``, ``receive``, ``settle``) from
``telemetry.wiring.WorkTelemetry``, which also records the state transitions the call causes;
with telemetry off those are shared no-op objects.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from . import sql
from .errors import (
    InvalidStateTransition,
    LeaseLost,
    UnknownWorkItem,
    WaitTimeout,
    WorkCancelled,
    WorkDead,
    WorkWasCancelled,
)
from .models import (
    CompleteResult,
    NewWorkItem,
    SubmitResult,
    WorkCompletion,
    WorkItem,
    WorkResult,
)
from .telemetry.wiring import WorkTelemetry


class WorkCalls(sql.SqlCaller):
    """The work-queue half of ``Db``."""

    #: The work spans and the unsettled deliveries of this client (set by ``Db``).
    _work_telemetry: WorkTelemetry
    #: The pool or connection statements go to (set by ``Db``); ``wait_for`` listens on it.
    _executor: Any

    async def create_queue(
        self,
        queue_name: str,
        *,
        partitioned: bool = False,
        partition_interval: str | None = None,
        retention_interval: str | None = None,
    ) -> None:
        """Create the queue (idempotent). An invalid name raises ``InvalidQueueName``.

        ``partitioned=True`` makes a pgmq partitioned queue through pg_partman:
        ``partition_interval`` is msg ids per partition (``"10000"``, the default) or an
        interval of enqueued_at (``"1 day"``), ``retention_interval`` how much pg_partman keeps
        (default 10 partitions). Retention drops partitions read or not; ``reconcile`` (run by
        ``purge``) settles the items that lost their message. ``PartmanMissing`` without
        pg_partman, ``InvalidPartitioning`` for bad intervals, ``QueueLayoutMismatch`` when the
        queue exists with another layout.
        """
        if not partitioned and partition_interval is None and retention_interval is None:
            await self._send("execute", sql.CREATE_QUEUE, queue_name)
            return
        await self._send(
            "execute",
            sql.CREATE_QUEUE_LAYOUT,
            queue_name,
            partitioned,
            partition_interval,
            retention_interval,
        )

    async def submit_work(self, item: NewWorkItem) -> SubmitResult:
        """Queue ``item``, or merge it into the active item with the same dedup key.

        Under a sampled span the ``send`` span's traceparent goes with it, so the worker that
        reads the item can link its ``process`` span to this one.
        """
        telemetry = self._work_telemetry
        with telemetry.send((item.queue_name,), item.work_type, None) as span:
            args = (
                item.queue_name,
                item.work_type,
                item.source,
                item.params,
                item.dedup_key,
                item.trigger_info,
                item.priority,
                item.parent_id,
                item.max_attempts,
                item.delay_seconds,
            )
            traceparent, tracestate = span.trace_context()
            if traceparent is None:
                record = await self._send("fetchrow", sql.SUBMIT_WORK, *args)
            else:
                record = await self._send(
                    "fetchrow", sql.SUBMIT_WORK_TRACED, *args, traceparent, tracestate
                )
            result = SubmitResult.from_record(record)
            telemetry.submitted(span, result)
        return result

    async def submit_batch(self, items: Sequence[NewWorkItem]) -> list[SubmitResult]:
        """Submit many items in one round trip; one result per item, in input order."""
        if not items:
            return []
        work_types = {item.work_type for item in items}
        with self._work_telemetry.send(
            (item.queue_name for item in items),
            work_types.pop() if len(work_types) == 1 else None,
            len(items),
        ) as span:
            payload = [item.model_dump(mode="json", exclude_defaults=True) for item in items]
            # Fields left at their defaults are omitted; the required ones are never defaults.
            traceparent, tracestate = span.trace_context()
            if traceparent is not None:
                context = {"traceparent": traceparent}
                if tracestate:
                    context["tracestate"] = tracestate
                for entry in payload:
                    entry.update(context)
            records = await self._send("fetch", sql.SUBMIT_WORK_BATCH, payload)
        return [SubmitResult.from_record(r) for r in records]

    async def read_work(self, queue_name: str, vt_seconds: int, qty: int = 1) -> list[WorkItem]:
        """Deliver up to ``qty`` items, invisible to other readers for ``vt_seconds``."""
        telemetry = self._work_telemetry
        with telemetry.receive(queue_name) as span:
            records = await self._send("fetch", sql.READ_WORK, queue_name, vt_seconds, qty)
            items = [WorkItem.from_record(r) for r in records]
            telemetry.delivered(span, items)
        return items

    async def complete(
        self,
        work: WorkItem | UUID,
        outcome_data: dict[str, Any] | None = None,
        outcome_ms: int | None = None,
        *,
        lease: int | None = None,
    ) -> None:
        """Mark a running item completed and archive its message.

        Pass the delivered ``WorkItem``: its lease goes with the call, and ``LeaseLost`` (or
        ``WorkCancelled``) means another delivery owns the item now and nothing was stored. A
        bare work id without ``lease`` is an operator's override of whoever holds the item.
        """
        work_id, lease = _id_and_lease(work, lease)
        telemetry = self._work_telemetry
        with telemetry.settle("complete", work_id) as span:
            await self._send("execute", sql.COMPLETE_WORK, work_id, outcome_data, outcome_ms, lease)
            telemetry.settled(span, "completed", work_id)

    async def complete_batch(self, completions: Sequence[WorkCompletion]) -> list[CompleteResult]:
        """Complete many running items in one round trip (``animus.complete_work_batch``).

        One result per completion, in input order: ``completed``, or the refusal that
        :meth:`complete` would have raised as an exception (``lease_lost``, ``cancelled``,
        ``not_running``, ``unknown``), which leaves the other items alone. An item whose
        message another transaction held (``busy`` in SQL, which never waits for a lock) is
        completed again here with :meth:`complete`, so ``busy`` is never returned.
        """
        if not completions:
            return []
        telemetry = self._work_telemetry
        with telemetry.settle("complete") as span:
            payload = [c.model_dump(mode="json", exclude_none=True) for c in completions]
            records = await self._send("fetch", sql.COMPLETE_WORK_BATCH, payload)
            results = [CompleteResult.from_record(r) for r in records]
            for result in results:
                if result.status == "completed":
                    telemetry.settled(span, "completed", result.work_id)
        for i, (result, completion) in enumerate(zip(results, completions, strict=True)):
            if result.status == "busy":
                results[i] = await self._complete_one(completion)
        return results

    async def _complete_one(self, completion: WorkCompletion) -> CompleteResult:
        try:
            await self.complete(
                completion.work_id,
                completion.outcome_data,
                completion.outcome_ms,
                lease=completion.lease,
            )
        except LeaseLost as exc:
            return CompleteResult(
                work_id=completion.work_id, status="lease_lost", sqlstate=exc.sqlstate
            )
        except WorkCancelled as exc:
            return CompleteResult(
                work_id=completion.work_id, status="cancelled", sqlstate=exc.sqlstate
            )
        except UnknownWorkItem as exc:
            return CompleteResult(
                work_id=completion.work_id, status="unknown", sqlstate=exc.sqlstate
            )
        except InvalidStateTransition as exc:
            return CompleteResult(
                work_id=completion.work_id, status="not_running", sqlstate=exc.sqlstate
            )
        return CompleteResult(work_id=completion.work_id, status="completed")

    async def fail(
        self,
        work: WorkItem | UUID,
        error: str,
        retry_delay_seconds: int | None = None,
        *,
        lease: int | None = None,
    ) -> str:
        """Record a failure; returns the new state (``queued`` again, or ``dead``).

        ``retry_delay_seconds`` None waits the queue's backoff (``set_queue_policy``). The
        lease works as in :meth:`complete`.
        """
        work_id, lease = _id_and_lease(work, lease)
        telemetry = self._work_telemetry
        with telemetry.settle("fail", work_id) as span:
            state: str = await self._send(
                "fetchval", sql.FAIL_WORK, work_id, error, retry_delay_seconds, lease
            )
            telemetry.settled(span, state, work_id)
        return state

    async def release(
        self,
        work: WorkItem | UUID,
        reason: str,
        delay_seconds: int = 0,
        *,
        lease: int | None = None,
    ) -> str:
        """Hand a running item back without consuming an attempt (``animus.release_work``):
        the worker cannot run it (no handler for its type, a setup error). It is queued again
        after ``delay_seconds``; ``reason`` goes to ``outcome_error`` and the attempt history.
        The lease works as in :meth:`complete`."""
        work_id, lease = _id_and_lease(work, lease)
        telemetry = self._work_telemetry
        with telemetry.settle("release", work_id) as span:
            state: str = await self._send(
                "fetchval", sql.RELEASE_WORK, work_id, reason, delay_seconds, lease
            )
            telemetry.settled(span, state, work_id)
        return state

    async def work_result(self, work_id: UUID) -> WorkResult:
        """What became of a submission (``animus.work_result``), following a merge to the
        item that absorbed it. ``UnknownWorkItem`` for an unknown id."""
        return WorkResult.from_record(await self._send("fetchrow", sql.WORK_RESULT, work_id))

    async def wait_for(
        self,
        work_id: UUID,
        timeout: float | None = None,  # noqa: ASYNC109 - raises WaitTimeout, naming the state
        *,
        poll_interval: float = 5.0,
    ) -> WorkResult:
        """Wait until the submission ``work_id`` is settled and return its result.

        Follows merges (the result is the absorbing item's). Raises ``WorkDead`` when the item
        was dead-lettered, ``WorkWasCancelled`` when it was cancelled (both carry the
        ``WorkResult`` as ``.result``), ``WaitTimeout`` after ``timeout`` seconds (None: wait
        for ever), ``UnknownWorkItem`` for an unknown id. It wakes on the ``animus_settled``
        notification the database sends when an item is settled; it also checks every
        ``poll_interval`` seconds, in case the notification was missed (a dropped LISTEN
        connection).
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        wake = asyncio.Event()
        watched: set[str] = set()

        def on_settled(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            if payload in watched:
                wake.set()

        async with self._listening(sql.SETTLED_CHANNEL, on_settled):
            while True:
                # Read after LISTEN: a settle between the two is seen by the read or notified.
                wake.clear()
                result = await self.work_result(work_id)
                if result.resolved_id is not None:
                    watched.add(str(result.resolved_id))
                if result.settled:
                    return _settled_or_raise(result)
                left = poll_interval if deadline is None else deadline - loop.time()
                if left <= 0:
                    raise WaitTimeout(
                        f"work item {work_id} is still {result.state} after {timeout} s"
                    )
                with contextlib.suppress(builtins.TimeoutError):
                    await asyncio.wait_for(wake.wait(), min(left, poll_interval))

    @contextlib.asynccontextmanager
    async def _listening(
        self, channel: str, callback: Callable[[Any, int, str, str], None]
    ) -> AsyncIterator[None]:
        """LISTEN on ``channel`` on a connection of its own while inside (the single connection
        when the Db wraps one); without a connection to listen on, polling alone serves."""
        executor = self._executor
        conn: Any = None
        try:
            conn = await executor.acquire() if hasattr(executor, "acquire") else executor
            await conn.add_listener(channel, callback)
        except Exception:  # the poll still serves
            if conn is not None and conn is not executor:
                await executor.release(conn)
            conn = None
        try:
            yield
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    if not conn.is_closed():
                        await conn.remove_listener(channel, callback)
                if conn is not executor:
                    with contextlib.suppress(Exception):
                        await executor.release(conn)

    async def set_work_type_policy(
        self,
        work_type: str,
        max_attempts: int | None = None,
        retry_base_seconds: int | None = None,
        retry_cap_seconds: int = 3600,
    ) -> None:
        """Set a work type's retry policy (``animus.work_type_policies``), which ``fail_work``
        applies before the queue's; ``max_attempts`` and ``retry_base_seconds`` both None remove
        it."""
        await self._send(
            "execute",
            sql.SET_WORK_TYPE_POLICY,
            work_type,
            max_attempts,
            retry_base_seconds,
            retry_cap_seconds,
        )

    async def extend(
        self, work: WorkItem | UUID, vt_seconds: int, *, lease: int | None = None
    ) -> datetime:
        """Heartbeat: keep a running item invisible for another ``vt_seconds``; returns the new
        visibility deadline. ``WorkCancelled`` says the item was cancelled: stop the work."""
        work_id, lease = _id_and_lease(work, lease)
        vt: datetime = await self._send("fetchval", sql.EXTEND_WORK, work_id, vt_seconds, lease)
        return vt

    async def cancel(self, work_id: UUID, reason: str) -> str:
        """End a queued or running item (its dedup key is free again); returns the state it
        had. A worker running it hears of it at its next heartbeat."""
        telemetry = self._work_telemetry
        with telemetry.settle("cancel", work_id) as span:
            was: str = await self._send("fetchval", sql.CANCEL_WORK, work_id, reason)
            telemetry.settled(span, "dead", work_id)
        return was

    async def set_queue_policy(
        self, queue_name: str, retry_base_seconds: int, retry_cap_seconds: int = 3600
    ) -> None:
        """Set the queue's retry backoff: attempt n waits min(cap, base * 2^(n-1)) seconds,
        half of it random; base 0 retries at once."""
        await self._send(
            "execute", sql.SET_QUEUE_POLICY, queue_name, retry_base_seconds, retry_cap_seconds
        )

    async def archive_work(self, queue_name: str, msg_id: int) -> bool:
        """Low-level: archive the message and mark its item completed. True when a message
        was archived."""
        telemetry = self._work_telemetry
        with telemetry.settle("archive", queue=queue_name, msg_id=msg_id) as span:
            archived: bool = await self._send("fetchval", sql.ARCHIVE_WORK, queue_name, msg_id)
            if archived:
                telemetry.settled(span, "completed", queue=queue_name, msg_id=msg_id)
        return archived

    async def delete_work(self, queue_name: str, msg_id: int) -> bool:
        """Low-level: delete the message and mark its item dead (deleted). True when a message
        was deleted."""
        telemetry = self._work_telemetry
        with telemetry.settle("delete", queue=queue_name, msg_id=msg_id) as span:
            deleted: bool = await self._send("fetchval", sql.DELETE_WORK, queue_name, msg_id)
            if deleted:
                telemetry.settled(span, "dead", queue=queue_name, msg_id=msg_id)
        return deleted

    async def requeue_dead(
        self, queue_name: str, work_ids: Sequence[UUID] | None = None, max_items: int = 1000
    ) -> list[SubmitResult]:
        """Operator call: requeue up to ``max_items`` of the queue's dead items (or only
        ``work_ids``) with fresh attempts; an item whose dedup key is active again merges
        instead. Call again until fewer than ``max_items`` results come back."""
        ids = list(work_ids) if work_ids is not None else None
        records = await self._send("fetch", sql.REQUEUE_DEAD, queue_name, ids, max_items)
        return [SubmitResult.from_record(r) for r in records]

    async def reconcile(
        self, queue_name: str | None = None, max_items: int = 1000
    ) -> list[dict[str, Any]]:
        """Operator call: settle up to ``max_items`` queued or running items whose pgmq
        message is gone (a pgmq client or an operator archived or deleted it, or a partitioned
        queue's retention dropped it), in one queue or all; one dict (``work_id``, ``state``,
        ``reason``) per settled item. Call again until fewer than ``max_items`` come back."""
        records = await self._send("fetch", sql.RECONCILE, queue_name, max_items)
        return [dict(r) for r in records]

    async def purge(
        self,
        older_than: timedelta = timedelta(days=7),
        max_items: int = 10000,
        queue_name: str | None = None,
        *,
        dry_run: bool = False,
    ) -> dict[str, int]:
        """Operator call: retention. ``reconcile``, then delete archived messages and
        terminal items older than ``older_than``, at most ``max_items`` of each: the counts
        (``reconciled``, ``messages_deleted``, ``items_deleted``). Call again until less than
        ``max_items`` is reported. ``dry_run`` runs the same call in a transaction that is
        rolled back, so the counts say what it would remove."""
        send = self._send_rolled_back if dry_run else self._send
        record = await send("fetchrow", sql.PURGE, older_than, max_items, queue_name)
        return {k: int(record[k]) for k in ("reconciled", "messages_deleted", "items_deleted")}

    async def schedule_work(
        self,
        name: str,
        cron: str,
        queue_name: str,
        work_type: str,
        params: dict[str, Any] | None = None,
        dedup_key: str | None = None,
        priority: int = 0,
        max_attempts: int | None = None,
    ) -> int:
        """Operator call: submit this work on a pg_cron schedule (the same name replaces
        it); returns the pg_cron job id. ``PgCronMissing`` without pg_cron, ``InvalidSchedule``
        for a cron pg_cron refuses."""
        jobid = await self._send(
            "fetchval",
            sql.SCHEDULE_WORK,
            name,
            cron,
            queue_name,
            work_type,
            {} if params is None else params,
            dedup_key,
            priority,
            max_attempts,
        )
        return int(jobid)

    async def list_schedules(self) -> list[dict[str, Any]]:
        """Operator call: every schedule with its pg_cron job's state and last run."""
        return [dict(r) for r in await self._send("fetch", sql.LIST_SCHEDULES)]

    async def pause_schedule(self, name: str, paused: bool = True) -> None:
        """Operator call: pause (or, with ``paused=False``, resume) a schedule;
        ``UnknownSchedule`` for an unknown name."""
        await self._send("execute", sql.PAUSE_SCHEDULE, name, paused)

    async def unschedule_work(self, name: str) -> None:
        """Operator call: remove a schedule and its pg_cron job (the items it submitted
        stay); ``UnknownSchedule`` for an unknown name."""
        await self._send("execute", sql.UNSCHEDULE_WORK, name)

    async def queue_overview(self) -> list[dict[str, Any]]:
        """Operator call: the rows of ``animus.queue_overview`` (needs animus_ops); from the
        read pool when there is one, so it may lag the primary by the replica's replay lag."""
        records = await self._send_read("fetch", sql.QUEUE_OVERVIEW)
        return [dict(r) for r in records]

    async def queue_names(self) -> list[str]:
        """Operator call: every queue created with ``create_queue``, by name."""
        return [r["queue_name"] for r in await self._send("fetch", sql.QUEUE_NAMES)]

    async def work_item(self, work_id: UUID) -> dict[str, Any] | None:
        """Operator call: the work_items row of ``work_id`` (None when there is none)."""
        record = await self._send("fetchrow", sql.WORK_ITEM, work_id)
        return None if record is None else dict(record)

    async def work_attempts(self, work_id: UUID) -> list[dict[str, Any]]:
        """Operator call: the item's attempt history (``animus.work_attempts``), oldest first:
        ``attempt``, ``kind`` (``failed`` or ``handed_back``), ``error``, ``at``."""
        return [dict(r) for r in await self._send("fetch", sql.WORK_ATTEMPTS, work_id)]

    async def work_provenance(self, work_id: UUID) -> list[dict[str, Any]]:
        """Operator call: the item, its parent, children and merged submissions, each with its
        ``relation``; an unknown id raises ``UnknownWorkItem``."""
        return [dict(r) for r in await self._send("fetch", sql.WORK_PROVENANCE, work_id)]


def _settled_or_raise(result: WorkResult) -> WorkResult:
    if result.state == "completed":
        return result
    if result.cancelled:
        raise WorkWasCancelled(
            f"work item {result.resolved_id} was cancelled: {result.outcome_error}", result
        )
    raise WorkDead(f"work item {result.resolved_id} is dead: {result.outcome_error}", result)


def _id_and_lease(work: WorkItem | UUID, lease: int | None) -> tuple[UUID, int | None]:
    if isinstance(work, WorkItem):
        return work.id, work.lease if lease is None else lease
    return work, lease


__all__ = ["WorkCalls"]

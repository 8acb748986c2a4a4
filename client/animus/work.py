"""Work-queue calls. Each is one call of one ``animus`` function (see ``sql.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from . import sql
from .models import NewWorkItem, SubmitResult, WorkItem


class WorkCalls(sql.SqlCaller):
    """The work-queue half of ``Db``."""

    async def create_queue(self, queue_name: str) -> None:
        """Create the queue (idempotent). An invalid name raises ``InvalidQueueName``."""
        await self._send("execute", sql.CREATE_QUEUE, queue_name)

    async def submit_work(self, item: NewWorkItem) -> SubmitResult:
        """Queue ``item``, or merge it into the active item with the same dedup key."""
        record = await self._send(
            "fetchrow",
            sql.SUBMIT_WORK,
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
        return SubmitResult.from_record(record)

    async def submit_batch(self, items: Sequence[NewWorkItem]) -> list[SubmitResult]:
        """Submit many items in one round trip; one result per item, in input order."""
        if not items:
            return []
        payload = [item.model_dump(mode="json", exclude_defaults=True) for item in items]
        # Fields left at their defaults are omitted; the required ones are never defaults.
        records = await self._send("fetch", sql.SUBMIT_WORK_BATCH, payload)
        return [SubmitResult.from_record(r) for r in records]

    async def read_work(self, queue_name: str, vt_seconds: int, qty: int = 1) -> list[WorkItem]:
        """Deliver up to ``qty`` items, invisible to other readers for ``vt_seconds``."""
        records = await self._send("fetch", sql.READ_WORK, queue_name, vt_seconds, qty)
        return [WorkItem.from_record(r) for r in records]

    async def complete(
        self,
        work_id: UUID,
        outcome_data: dict[str, Any] | None = None,
        outcome_ms: int | None = None,
    ) -> None:
        """Mark a running item completed and archive its message."""
        await self._send("execute", sql.COMPLETE_WORK, work_id, outcome_data, outcome_ms)

    async def fail(self, work_id: UUID, error: str, retry_delay_seconds: int = 0) -> str:
        """Record a failure; returns the new state (``queued`` again, or ``dead``)."""
        state: str = await self._send(
            "fetchval", sql.FAIL_WORK, work_id, error, retry_delay_seconds
        )
        return state

    async def extend(self, work_id: UUID, vt_seconds: int) -> datetime:
        """Heartbeat: keep a running item invisible for another ``vt_seconds``; returns the new
        visibility deadline."""
        vt: datetime = await self._send("fetchval", sql.EXTEND_WORK, work_id, vt_seconds)
        return vt

    async def archive_work(self, queue_name: str, msg_id: int) -> bool:
        """Low-level: archive the message and mark its item completed. True when a message
        was archived."""
        archived: bool = await self._send("fetchval", sql.ARCHIVE_WORK, queue_name, msg_id)
        return archived

    async def delete_work(self, queue_name: str, msg_id: int) -> bool:
        """Low-level: delete the message and mark its item dead (deleted). True when a message
        was deleted."""
        deleted: bool = await self._send("fetchval", sql.DELETE_WORK, queue_name, msg_id)
        return deleted

    async def requeue_dead(
        self, queue_name: str, work_ids: Sequence[UUID] | None = None
    ) -> list[SubmitResult]:
        """Operator call: requeue the queue's dead items (or only ``work_ids``) with fresh
        attempts; an item whose dedup key is active again merges instead."""
        ids = list(work_ids) if work_ids is not None else None
        records = await self._send("fetch", sql.REQUEUE_DEAD, queue_name, ids)
        return [SubmitResult.from_record(r) for r in records]


__all__ = ["WorkCalls"]

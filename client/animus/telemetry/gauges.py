"""Queue gauges fed by a snapshot of ``animus.queue_overview`` that an async task refreshes.

The observable gauges' callbacks run on the metric exporter's thread, where an asyncpg call
cannot be made; so an asyncio task reads the view every ``interval_seconds`` and the callbacks
return the latest rows. ``animus.queue_overview`` is granted to ``animus_ops`` only: under a
role without the privilege (``animus_app``) the task logs one warning and stops, and the gauges
report nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any

import asyncpg
from opentelemetry.instrumentation.utils import suppress_instrumentation

from .work import register_queue_gauges

__all__ = ["QueueGauges"]

log = logging.getLogger("animus.telemetry")

OverviewFetch = Callable[[], Awaitable[Iterable[Mapping[str, Any]]]]


def _is_permission_error(exc: BaseException) -> bool:
    return getattr(exc, "sqlstate", None) == "42501" or isinstance(
        exc, asyncpg.InsufficientPrivilegeError
    )


class QueueGauges:
    """``animus.queue.depth`` and ``animus.queue.oldest_age`` from a refreshed snapshot.

    ``fetch`` returns the rows of ``animus.queue_overview`` (``Db.queue_overview``, or any
    coroutine function). Use ``await gauges.start()`` / ``await gauges.stop()``, or
    ``async with``. The refresh queries run with the asyncpg instrumentation suppressed, so
    they add no database spans.
    """

    def __init__(self, fetch: OverviewFetch, interval_seconds: float = 15.0) -> None:
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        self._fetch = fetch
        self.interval_seconds = interval_seconds
        self._rows: list[Mapping[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        self._registered = False
        #: False once the view turned out to be unreadable (missing privilege).
        self.available = True

    def rows(self) -> list[Mapping[str, Any]]:
        """The latest snapshot (what the gauge callbacks report)."""
        return self._rows

    async def refresh(self) -> bool:
        """Read the view once. False (and the snapshot emptied) when that failed."""
        try:
            with suppress_instrumentation():
                rows: list[Mapping[str, Any]] = [dict(r) for r in await self._fetch()]
        except Exception as exc:
            self._rows = []
            if _is_permission_error(exc) or _is_permission_error(exc.__cause__ or exc):
                if self.available:
                    log.warning(
                        "queue gauges disabled: this role cannot read animus.queue_overview "
                        "(it is granted to animus_ops; connect as a role with animus_ops for "
                        "the animus.queue.* gauges): %s",
                        exc,
                    )
                self.available = False
            else:
                log.warning("queue gauges: reading animus.queue_overview failed: %s", exc)
            return False
        self._rows = rows
        return True

    async def start(self) -> None:
        """Register the gauges, take the first snapshot, and keep refreshing it."""
        if not self._registered:
            register_queue_gauges(self.rows)
            self._registered = True
        if self._task is None:
            await self.refresh()
            if self.available:
                self._task = asyncio.create_task(self._loop(), name="animus-queue-gauges")

    async def _loop(self) -> None:
        while self.available:
            await asyncio.sleep(self.interval_seconds)
            await self.refresh()

    async def stop(self) -> None:
        """Stop refreshing (the gauges then report the last snapshot)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def __aenter__(self) -> QueueGauges:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

"""The worker: read items, run the handler of each item's work type under a heartbeat, and
settle each item with its lease.

Handlers are registered per work type (:class:`~animus.tasks.TaskRegistry`, or
``Worker(handlers={...})``, or the :meth:`Worker.task` decorator), each with its own retry
policy, timeout and optional pydantic params model; a single ``handler`` handles every type
(the default, :func:`remember`, embeds the item's text and stores it as a memory). A handler is
``async def handler(db: Db, item: WorkItem) -> dict | None`` or a plain ``def`` of the same shape
(run in a thread of its own, so it may block). What it returns is stored as the item's
``outcome_data``; an exception fails the item, which is retried (the work type's backoff, else
``retry_delay_seconds``, else the queue's) until its attempts are used up. docs/worker.md is the
guide.

Up to ``concurrency`` handlers run at once. While a handler runs, a heartbeat extends the item's
visibility timeout every ``vt_seconds / 3`` seconds. Every settle carries the delivery's lease.
When the heartbeat or the settle hears that the lease is lost (the item was delivered again) or
that the item was cancelled, the result is dropped: that is logged, counted
(``animus.worker.dropped``) and recorded as an event on the item's ``process`` span.

**Item by item.** Successful results are completed in batches (``complete_work_batch``): the
first result goes at once, and those that finish while a batch is on its way go in the next one.
A batch the database refuses as a whole (a result over 1 MiB, a result that is not JSON) is
settled again one item at a time, and an item whose result is refused is failed with the
SQLSTATE and message; the others complete. ``WorkerStats.completed`` counts only what the
database accepted.

**Setup errors are not item errors.** The worker checks at start what it can (its handlers, the
embedder the default handler needs) and stores the task retry policies. An item of a type it
has no handler for, or whose handler raises :class:`~animus.errors.SetupError`, an ImportError
or a ``ConfigError``, is handed back with ``release_work``: queued again after
``setup_retry_seconds``, its attempt not counted, so a misconfigured worker dead-letters nothing.

**Surviving the database.** A lost connection (a restart, a failover, ``pg_terminate_backend``)
is retried with backoff, up to ``reconnect_max_seconds`` between tries, for ever: reads pause,
finished results wait and are settled with their leases once the database is back (a lease that
expired meanwhile is refused as stale, and the result dropped: that is fencing working), and the
LISTEN connection is opened again. The worker exits only when stopped, or by ``max_items`` or
``until_empty``.

:meth:`Worker.stop` (the first SIGTERM or SIGINT) stops reading and waits up to
``shutdown_timeout`` seconds for the running handlers; then it cancels them and hands their
items back with ``fail_work`` (retry at once), so nothing stays running. :meth:`Worker.abort`
(a second SIGINT) does that at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import json
import logging
import os
import random
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import asyncpg
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from . import sql
from .db import Db
from .errors import (
    AnimusError,
    ConfigError,
    ConnectionError,
    InvalidStateTransition,
    LeaseLost,
    SetupError,
    UnknownWorkItem,
    WorkCancelled,
)
from .models import NewMemory, WorkCompletion, WorkItem
from .tasks import HandlerError, Retry, Task, TaskRegistry, check_handler
from .telemetry import _state, start_work_span

Handler = Callable[[Db, WorkItem], Awaitable[dict[str, Any] | None] | dict[str, Any] | None]

#: fail_work keeps the error text; longer ones are cut to this many characters
#: (the column takes 4 KiB).
MAX_ERROR_CHARS = 1000

#: How many recent results ``WorkerStats.recent`` keeps: a worker that runs for days keeps
#: counters, not a history.
RECENT_RESULTS = 100

#: The adaptive prefetch holds as many items beyond the slots as the slots are expected to
#: start within this many seconds: a prefetched item waits about that long at most, so other
#: workers lose little, and fast handlers read (and complete) in batches.
PREFETCH_HORIZON_SECONDS = 0.1

#: The adaptive prefetch holds at most this many times max(concurrency, 10) items.
AUTO_PREFETCH_MAX = 2

#: Exceptions that say the worker cannot run an item at all, whatever the item: the item is
#: handed back without consuming an attempt.
SETUP_ERRORS: tuple[type[BaseException], ...] = (SetupError, ImportError, ConfigError)

log = logging.getLogger("animus.worker")


class MissingText(ValueError):
    """The default handler got an item with no text to remember."""


def item_text(item: WorkItem) -> str:
    """The text a work item carries: ``params.text``, else ``params.content``.

    Raises ``MissingText`` when neither is a non-empty string: storing the params themselves
    (``"{}"``) as a memory would help nobody, so the item fails with a clear error instead.
    """
    for key in ("text", "content"):
        value = item.params.get(key)
        if isinstance(value, str) and value.strip():
            return value
    raise MissingText(
        "the item has no text to remember: set params.text (or params.content) to a "
        f"non-empty string; its params are {json.dumps(item.params, sort_keys=True)[:200]}"
    )


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
    """``module:function`` to the handler it names, importing from the working directory too."""
    target = load_target(spec)
    if isinstance(target, TaskRegistry):
        raise HandlerError(f"{spec} is a TaskRegistry, not a handler function")
    return target


def load_target(spec: str) -> Handler | TaskRegistry:
    """``module:name`` to the handler function or the :class:`TaskRegistry` it names (what
    ``animus work run --handler`` takes), importing from the working directory too."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise HandlerError(f"handler must be module:function, not {spec!r}")
    # `python -m` puts the working directory on sys.path, an installed console script does not.
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise HandlerError(f"cannot import {module_name!r}: {exc}") from exc
    if not hasattr(module, attr):
        raise HandlerError(f"module {module_name!r} has no {attr!r}")
    target = getattr(module, attr)
    if isinstance(target, TaskRegistry):
        if not target:
            raise HandlerError(f"the task registry {spec} has no tasks")
        return target
    return check_handler(target, spec)


async def _in_daemon_thread(handler: Callable[..., Any], *args: Any) -> Any:
    """Run a sync handler in a daemon thread of its own: a hung one cannot keep the process
    from exiting after a shutdown, as it would in asyncio's default executor."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def target() -> None:
        try:
            result = handler(*args)
        except BaseException as exc:  # handed to the awaiting task, never lost
            loop.call_soon_threadsafe(settle, None, exc)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    threading.Thread(target=target, name="animus-handler", daemon=True).start()
    return await future


class _Backoff:
    """Exponential backoff with jitter for reconnecting: 0.1 s doubling up to ``cap``."""

    def __init__(self, cap: float) -> None:
        self.cap = cap
        self.tries = 0

    def next_delay(self) -> float:
        self.tries += 1
        full = min(self.cap, 0.1 * 2.0 ** min(self.tries - 1, 20))
        return full / 2 + random.random() * full / 2

    def reset(self) -> None:
        self.tries = 0


@dataclass(frozen=True)
class ItemResult:
    """What the worker did with one delivered item."""

    item: WorkItem
    #: completed; queued or dead (failed, or its result refused by the database); lost (lease
    #: lost: another delivery owns it); cancelled (cancel_work); handed_back (shutdown ended
    #: the handler, the item is queued); released (the worker could not run it: handed back
    #: without consuming an attempt)
    state: str
    outcome: dict[str, Any] | None
    error: str | None
    ms: int


@dataclass
class WorkerStats:
    """Counters, and the last :data:`RECENT_RESULTS` results: memory stays flat."""

    read: int = 0
    #: items the database completed (a refused result is counted in ``failed``)
    completed: int = 0
    failed: int = 0
    lost: int = 0
    cancelled: int = 0
    handed_back: int = 0
    #: handed back without consuming an attempt: no handler for the type, a setup error
    released: int = 0
    #: of ``failed``: results the database refused (too large, not JSON), with their SQLSTATE
    refused: int = 0
    recent: deque[ItemResult] = field(default_factory=lambda: deque(maxlen=RECENT_RESULTS))
    #: items delivered by the reads that followed each kind of wake-up: ``start`` (the first
    #: read), ``more`` (the last read filled every slot it asked for), ``slot`` (a handler
    #: finished), ``notify`` (a submit's NOTIFY), ``poll`` (the poll interval ran out)
    delivered_after: Counter[str] = field(default_factory=Counter)
    #: times the LISTEN connection was lost (the worker then polls until it listens again)
    listen_lost: int = 0
    #: round trips that completed items (one per complete_work, or per complete_work_batch)
    complete_calls: int = 0
    #: database calls that failed for a lost connection and were tried again after a backoff
    reconnects: int = 0


class Worker:
    """Reads ``queues`` in turn and runs the handler of each item's type on up to
    ``concurrency`` items at once.

    ``handler`` handles every work type (default :func:`remember`, unless ``handlers`` or
    ``tasks`` are given); ``handlers`` maps work types to handlers, ``tasks`` is a
    :class:`~animus.tasks.TaskRegistry` (with per-type retry, timeout and params). With
    handlers by type and no ``handler``, an item of another type is handed back (see the
    module's doc).
    """

    def __init__(
        self,
        db: Db,
        queues: Sequence[str],
        handler: Handler | None = None,
        *,
        handlers: Mapping[str, Callable[..., Any]] | None = None,
        tasks: TaskRegistry | None = None,
        vt_seconds: int = 60,
        concurrency: int = 1,
        batch_size: int | None = None,
        prefetch: int | None = None,
        poll_interval: float = 1.0,
        retry_delay_seconds: int | None = None,
        heartbeat_seconds: float | None = None,
        shutdown_timeout: float = 30.0,
        on_result: Callable[[ItemResult], None] | None = None,
        listen: bool = True,
        relisten_seconds: float = 2.0,
        batch_complete: bool | None = None,
        setup_retry_seconds: int = 60,
        reconnect_max_seconds: float = 10.0,
        call_timeout: float = 30.0,
    ) -> None:
        if not queues:
            raise ValueError("a worker needs at least one queue")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if vt_seconds < 1:
            raise ValueError("vt_seconds must be at least 1, so that a heartbeat fits in it")
        if prefetch is not None and prefetch < 0:
            raise ValueError("prefetch must be 0 or more (or None: adapt to the handlers)")
        self.db = db
        self.queues = list(queues)
        self.tasks = tasks if tasks is not None else TaskRegistry()
        for work_type, typed_handler in (handlers or {}).items():
            self.tasks.add(work_type, typed_handler)
        if handler is None and not self.tasks:
            handler = remember
        #: the handler of every type without a task of its own (None: such items are released)
        self.handler: Callable[..., Any] | None = (
            None if handler is None else check_handler(handler)
        )
        self._fallback = None if self.handler is None else Task("*", self.handler)
        self.vt_seconds = vt_seconds
        self.concurrency = concurrency
        #: items held beyond the running ones (delivered, waiting for a slot under their
        #: heartbeat), so that fast handlers need fewer round trips per item. None adapts it:
        #: as many as the slots are expected to start within PREFETCH_HORIZON_SECONDS, judged by
        #: the handlers' recent durations (none until one has finished, none for slow handlers)
        self.prefetch = prefetch
        #: most items one read asks for (never more than the free slots)
        self.batch_size = batch_size or max(concurrency, 10)
        self._handler_seconds: float | None = None
        self.poll_interval = poll_interval
        self.retry_delay_seconds = retry_delay_seconds
        #: a third of vt: two heartbeats may fail (a slow moment) before the item is visible
        self.heartbeat_seconds = heartbeat_seconds or vt_seconds / 3
        self.shutdown_timeout = shutdown_timeout
        self.on_result = on_result
        self.setup_retry_seconds = setup_retry_seconds
        self.reconnect_max_seconds = reconnect_max_seconds
        #: a database call of the worker that has no answer after this long is abandoned and
        #: tried again, as a lost connection is: a half-open connection after a failover (or a
        #: pool waiting for one) must not hang the worker
        self.call_timeout = call_timeout
        self.stats = WorkerStats()
        self._stop = asyncio.Event()
        self._abort = asyncio.Event()
        self._running: set[asyncio.Task[ItemResult]] = set()
        self._slots = asyncio.Semaphore(concurrency)
        self._next_queue = 0
        #: LISTEN on channel ``animus_work`` (submit_work's NOTIFY) on a pool connection of its
        #: own, and read as soon as a notification names one of ``queues``; the poll stays as
        #: the safety net (delayed items and retries send no notification)
        self.listen = listen
        #: after the listening connection dropped, poll only and try LISTEN again this often
        self.relisten_seconds = relisten_seconds
        self._wake = asyncio.Event()
        self._listener: Any = None
        self._listener_lost_at: float | None = None
        self._released_listeners: set[asyncio.Task[None]] = set()
        #: complete successful results in batches (default: when more than one can finish
        #: at a time: concurrency above 1, or prefetch)
        self.batch_complete = (
            (concurrency > 1 or prefetch != 0) if batch_complete is None else batch_complete
        )
        self._to_complete: list[tuple[WorkItem, Any, int, asyncio.Future[str]]] = []
        self._completers: set[asyncio.Task[None]] = set()
        #: connections kept between reads and completions (see _on_lane)
        self._lanes: list[Db] = []
        #: ids of the items whose handler has a slot (a prefetched item waits for one)
        self._began: set[Any] = set()
        #: complete_work_batch calls on their way at once: one while handlers are few, more
        #: at higher concurrency, where one round trip at a time would pace the whole worker
        self._completers_max = max(1, min(4, concurrency // 2))
        #: read_work calls on their way at once when there is room for several batches
        self._readers_max = max(1, min(4, concurrency // 2))

    # --- tasks ---------------------------------------------------------------------------------

    def task(
        self,
        work_type: str,
        *,
        retry: Retry | None = None,
        timeout: float | None = None,
        params: Any = None,
    ) -> Callable[[Any], Any]:
        """Decorator: register the handler of ``work_type`` on this worker (see
        :meth:`TaskRegistry.task <animus.tasks.TaskRegistry.task>`)."""
        return self.tasks.task(work_type, retry=retry, timeout=timeout, params=params)

    def task_for(self, work_type: str) -> Task | None:
        """The task that handles ``work_type`` here (None: this worker cannot run it)."""
        return self.tasks.get(work_type, self._fallback)

    async def preflight(self) -> None:
        """What ``run`` checks before it reads: the default handler has an embedder; each task
        retry policy is stored in the database (``animus.work_type_policies``). Raises
        ``SetupError`` (or the database's error) instead of failing items one by one."""
        uses_remember = self.handler is remember or any(
            t.handler is remember for t in self.tasks.values()
        )
        if uses_remember and self.db.embedder is None:
            raise SetupError(
                "the default handler (remember) stores memories and needs an embedder",
                hint="Db.connect(..., embedder=...) or animus work run --embedder ...",
            )
        for task in self.tasks.values():
            if task.retry is not None:
                await self.db.set_work_type_policy(
                    task.work_type,
                    task.retry.max_attempts,
                    task.retry.base_seconds,
                    task.retry.cap_seconds,
                )

    # --- control -------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop reading; let running handlers finish for up to ``shutdown_timeout`` seconds."""
        self._stop.set()

    def abort(self) -> None:
        """Stop now: cancel running handlers and hand their items back."""
        self._stop.set()
        self._abort.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> int:
        """How many items this worker holds now (running, or prefetched for a slot)."""
        return len(self._running)

    @contextlib.contextmanager
    def signals(self) -> Iterator[Worker]:
        """While inside: the first SIGTERM or SIGINT calls :meth:`stop`, a second SIGINT
        :meth:`abort`."""
        loop = asyncio.get_running_loop()

        def on_signal(sig: signal.Signals) -> None:
            if sig == signal.SIGINT and self._stop.is_set():
                log.warning("second interrupt: cancelling %d running handler(s)", self.running)
                self.abort()
            else:
                log.warning(
                    "%s: finishing %d running handler(s), then exiting", sig.name, self.running
                )
                self.stop()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal, sig)
        try:
            yield self
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)

    # --- the loop ------------------------------------------------------------------------------

    @property
    def prefetching(self) -> int:
        """How many items this worker holds now beyond its slots, at most."""
        if self.prefetch is not None:
            return self.prefetch
        if self._handler_seconds is None:
            return 0
        expected = PREFETCH_HORIZON_SECONDS * self.concurrency / max(self._handler_seconds, 1e-4)
        return min(int(expected), AUTO_PREFETCH_MAX * max(self.concurrency, 10))

    @property
    def _capacity(self) -> int:
        return self.concurrency + self.prefetching

    def _handler_took(self, seconds: float) -> None:
        """Keep a moving average of how long handlers run (for the adaptive prefetch)."""
        if self._handler_seconds is None:
            self._handler_seconds = seconds
        else:
            self._handler_seconds += 0.2 * (seconds - self._handler_seconds)

    async def run(self, *, max_items: int | None = None, until_empty: bool = False) -> WorkerStats:
        """Loop until stopped; or until ``max_items`` were read and handled; or, with
        ``until_empty``, until nothing runs and a pass over every queue delivers nothing.
        A lost database connection is retried with backoff, never a reason to return."""
        await self.preflight()
        stop_waiter = asyncio.ensure_future(self._stop.wait())
        wake_waiter: asyncio.Future[Any] | None = None
        reason = "start"
        backoff = _Backoff(self.reconnect_max_seconds)
        try:
            if self.listen:
                await self._start_listening()
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    delivered = await self._fill(max_items)
                except ConnectionError as exc:
                    self.stats.reconnects += 1
                    delay = backoff.next_delay()
                    log.warning("reading failed (%s): trying again in %.1f s", exc, delay)
                    await asyncio.wait({stop_waiter}, timeout=delay)
                    reason = "reconnect"
                    continue
                if backoff.tries:
                    log.warning("the database answers again: reading")
                    backoff.reset()
                    self._listener_lost_at = -self.relisten_seconds  # listen again at once
                self.stats.delivered_after[reason] += delivered
                exhausted = max_items is not None and self.stats.read >= max_items
                if not self._running and (exhausted or (delivered == 0 and until_empty)):
                    break
                free = self._capacity - len(self._running)
                if delivered and free > 0 and not exhausted:
                    reason = "more"
                    continue  # the queues have more: fill the free slots at once
                await self._maybe_relisten()
                # Wait for a free slot, a stop, a notification, or the poll interval.
                if wake_waiter is None or wake_waiter.done():
                    wake_waiter = asyncio.ensure_future(self._wake.wait())
                done, _ = await asyncio.wait(
                    {stop_waiter, wake_waiter, *self._running},
                    timeout=self.poll_interval,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if wake_waiter in done:
                    reason = "notify"
                elif done:
                    reason = "slot"
                else:
                    reason = "poll"
        finally:
            stop_waiter.cancel()
            if wake_waiter is not None:
                wake_waiter.cancel()
            await self._shutdown()
            for completer in list(self._completers):
                await _settled_quietly(completer)
            await self._stop_listening()
            await self._close_lanes()
        return self.stats

    # --- push wake-ups ---------------------------------------------------------------------------

    @property
    def listening(self) -> bool:
        """Whether a LISTEN connection is up (False: the worker polls only)."""
        return self._listener is not None and not self._listener.is_closed()

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload in self.queues:
            self._wake.set()

    def _on_listener_lost(self, _conn: Any) -> None:
        listener = self._listener
        if listener is None:
            return  # closed on purpose
        self._listener = None
        self._listener_lost_at = time.monotonic()
        self.stats.listen_lost += 1
        log.warning("the LISTEN connection dropped: polling every %.1f s", self.poll_interval)
        # Give the dead connection back to the pool (the proxy it lent, not the connection the
        # callback names), which replaces it: a pool slot must not leak each time.
        pool = self.db.pool
        if pool is not None:
            released = asyncio.ensure_future(pool.release(listener))
            self._released_listeners.add(released)
            released.add_done_callback(self._released_listeners.discard)
        self._wake.set()  # read once at once: a notification may have been lost with it

    async def _start_listening(self) -> None:
        pool = self.db.pool
        if pool is None:
            log.info("no pool (a single connection): polling only")
            return
        conn = None
        try:
            conn = await pool.acquire()
            await conn.add_listener(sql.WORK_CHANNEL, self._on_notify)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("LISTEN failed (%s): polling only", exc)
            if conn is not None:
                with contextlib.suppress(Exception):
                    await pool.release(conn)
            self._listener_lost_at = time.monotonic()
            return
        conn.add_termination_listener(self._on_listener_lost)
        if self._listener_lost_at is not None:
            log.warning("listening again for submits")
        self._listener = conn
        self._listener_lost_at = None
        self._wake.set()  # a submit may have come while nobody listened

    async def _maybe_relisten(self) -> None:
        if not self.listen or self._listener is not None or self._listener_lost_at is None:
            return
        if time.monotonic() - self._listener_lost_at >= self.relisten_seconds:
            await self._start_listening()

    async def _stop_listening(self) -> None:
        conn, self._listener = self._listener, None
        if conn is not None:
            pool = self.db.pool
            try:
                conn.remove_termination_listener(self._on_listener_lost)
                if not conn.is_closed():
                    await conn.remove_listener(sql.WORK_CHANNEL, self._on_notify)
                if pool is not None:
                    await pool.release(conn)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.debug("closing the LISTEN connection: %s", exc)
        if self._released_listeners:
            await asyncio.gather(*self._released_listeners, return_exceptions=True)

    async def _fill(self, max_items: int | None) -> int:
        """Read into the free slots (and prefetch), one queue after the other (round robin)."""
        delivered = 0
        capacity = self._capacity
        if (
            capacity > self.concurrency
            and len(self._running) > self.concurrency
            and capacity - len(self._running) < min(self.batch_size, capacity // 2)
        ):
            # Prefetched items still wait for a slot: read when a good part of the room is
            # free, not for each item that finishes (fewer, fuller reads).
            return 0
        for _ in range(len(self.queues)):
            free = capacity - len(self._running)
            if max_items is not None:
                free = min(free, max_items - self.stats.read)
            if free <= 0 or self._stop.is_set():
                break
            queue = self.queues[self._next_queue % len(self.queues)]
            self._next_queue += 1
            # Room for several batches: read them at once on as many connections (at most
            # _readers_max), as a pool of raw readers would, instead of one after the other.
            sizes = [min(self.batch_size, free - i) for i in range(0, free, self.batch_size)]
            reads = await asyncio.gather(
                *(
                    self._on_lane(Db.read_work, queue, self.vt_seconds, n)
                    for n in sizes[: self._readers_max]
                ),
                return_exceptions=True,
            )
            failed: BaseException | None = None
            for got in reads:
                if isinstance(got, BaseException):
                    failed = failed or got
                    continue
                self.stats.read += len(got)
                delivered += len(got)
                for item in got:
                    task = asyncio.create_task(self.process(item), name=f"animus-work-{item.id}")
                    self._running.add(task)
                    task.add_done_callback(self._running.discard)
            if failed is not None:
                raise failed
        return delivered

    async def _shutdown(self) -> None:
        """Wait up to ``shutdown_timeout`` (nothing after :meth:`abort`) for running handlers,
        then cancel the rest: each hands its item back."""
        if not self._running:
            return
        abort_waiter = asyncio.ensure_future(self._abort.wait())
        try:
            deadline = time.monotonic() + self.shutdown_timeout
            while self._running and not self._abort.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                await asyncio.wait(
                    {abort_waiter, *self._running},
                    timeout=left,
                    return_when=asyncio.FIRST_COMPLETED,
                )
        finally:
            abort_waiter.cancel()
        pending = list(self._running)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    # --- one item ------------------------------------------------------------------------------

    async def _call_handler(self, task: Task, item: WorkItem) -> Any:
        async with self._slots:
            self._began.add(item.id)
            started = time.perf_counter()
            try:
                args = task.arguments(self.db, item)
                if task.timeout is not None:
                    async with asyncio.timeout(task.timeout):
                        return await self._call(task, args)
                return await self._call(task, args)
            finally:
                self._handler_took(time.perf_counter() - started)

    @staticmethod
    async def _call(task: Task, args: tuple[Any, ...]) -> Any:
        if task.is_async:
            result = await cast(Awaitable[Any], task.handler(*args))
        else:
            result = await _in_daemon_thread(task.handler, *args)
        if inspect.isawaitable(result):  # a plain def that returned a coroutine
            result = await result
        return result

    async def process(self, item: WorkItem) -> ItemResult:
        """Handle one delivered item under a heartbeat and settle it with its lease."""
        span = _process_span(item)
        started = time.perf_counter()
        with trace.use_span(span, end_on_exit=True):
            task = self.task_for(item.work_type)
            handler_task: asyncio.Future[Any] | None = None
            try:
                if task is None:
                    known = ", ".join(sorted(self.tasks)) or "none"
                    result = await self._release(
                        item,
                        f"no handler for work type {item.work_type!r} on this worker "
                        f"(it handles: {known})",
                        started,
                        span,
                    )
                else:
                    handler_task = asyncio.ensure_future(self._call_handler(task, item))
                    lost = await self._heartbeat(item, handler_task)
                    if lost is not None:
                        await _settled_quietly(handler_task)
                        result = self._drop(item, lost, started, span)
                    else:
                        result = await self._settle(item, task, handler_task, started, span)
            except asyncio.CancelledError:
                # Shutdown: end the handler and hand the item back, so nothing stays running.
                if handler_task is not None:
                    handler_task.cancel()
                    await _settled_quietly(handler_task)
                result = await self._hand_back(item, started, span, item.id in self._began)
            finally:
                self._began.discard(item.id)
        self.stats.recent.append(result)
        if self.on_result is not None:
            self.on_result(result)
        return result

    async def _heartbeat(self, item: WorkItem, handler_task: asyncio.Future[Any]) -> str | None:
        """Extend the lease until the handler finishes. Returns ``lost`` or ``cancelled`` (and
        cancels the handler) when the database says this delivery is over, else None."""
        while True:
            done, _ = await asyncio.wait({handler_task}, timeout=self.heartbeat_seconds)
            if done:
                return None
            try:
                await self._timed(self.db.extend(item, self.vt_seconds))
            except WorkCancelled:
                handler_task.cancel()
                return "cancelled"
            except InvalidStateTransition:  # LeaseLost, or the item was settled by someone else
                handler_task.cancel()
                return "lost"
            except Exception as exc:  # a transient database error: the next beat tries again
                log.warning("heartbeat of %s failed: %s", item.id, exc)

    async def _on_lane(self, call: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """``call(db, *args)`` on a connection the worker keeps between calls (a lane), within
        ``call_timeout``. Reads and completions go this way: a pool would run its connection
        reset (a round trip, and RESET ALL in the server) after every call, which cost more
        server CPU than the batch itself. A lane whose call fails for the connection is given
        back to the pool (which replaces it); the next call takes a fresh one."""
        pool = self.db.pool
        if pool is None:
            return await self._timed(call(self.db, *args))
        lane = self._lanes.pop() if self._lanes else None
        try:
            if lane is None:
                conn = await self._timed(pool.acquire())
                lane = Db(conn, owned=False, embedder=self.db.embedder, scope=self.db.scope)
                lane._work_telemetry = self.db._work_telemetry
            result = await self._timed(call(lane, *args))
        except BaseException as exc:
            if lane is not None:
                if isinstance(exc, AnimusError) and not isinstance(exc, ConnectionError):
                    await self._keep_lane(lane)  # the database refused the call: the lane is fine
                else:
                    await self._release_lane(lane)
            raise
        await self._keep_lane(lane)
        return result

    async def _keep_lane(self, lane: Db) -> None:
        """Keep a lane for the next call, unless kept lanes would hold the pool's last free
        connection: handlers, heartbeats and the LISTEN connection draw from the same pool, and
        a handler waiting for a connection that an idle lane holds would wait forever (seen: a
        pool of 2, the demo's, hung with one lane and the LISTEN connection)."""
        pool = self.db.pool
        if pool is not None and len(self._lanes) < pool.get_max_size() - 2:
            self._lanes.append(lane)
        else:
            await self._release_lane(lane)

    async def _release_lane(self, lane: Db) -> None:
        pool = self.db.pool
        if pool is not None:
            with contextlib.suppress(Exception):
                await pool.release(lane._executor, timeout=5)

    async def _close_lanes(self) -> None:
        lanes, self._lanes = self._lanes, []
        for lane in lanes:
            await self._release_lane(lane)

    async def _timed(self, call: Awaitable[Any]) -> Any:
        """``await call`` within ``call_timeout``; no answer in time is a ``ConnectionError``."""
        try:
            async with asyncio.timeout(self.call_timeout):
                return await call
        except TimeoutError as exc:
            if isinstance(exc, AnimusError):  # the database's own statement timeout
                raise
            raise ConnectionError(
                f"no answer from the database within {self.call_timeout:g} s"
            ) from exc

    async def _persist(self, what: str, call: Callable[[], Awaitable[Any]]) -> Any:
        """``call()``, tried again with backoff for as long as the connection is lost (until
        :meth:`abort`): a result is settled once the database is back, never given up."""
        backoff = _Backoff(self.reconnect_max_seconds)
        while True:
            try:
                return await self._timed(call())
            except ConnectionError as exc:
                if self._abort.is_set():
                    raise
                self.stats.reconnects += 1
                delay = backoff.next_delay()
                log.warning("%s failed (%s): trying again in %.1f s", what, exc, delay)
                await asyncio.sleep(delay)

    async def _settle(
        self,
        item: WorkItem,
        task: Task,
        handler_task: asyncio.Future[Any],
        started: float,
        span: Any,
    ) -> ItemResult:
        ms = int((time.perf_counter() - started) * 1000)
        exc: BaseException | None = (
            asyncio.CancelledError("the handler cancelled itself")
            if handler_task.cancelled()
            else handler_task.exception()
        )
        try:
            if exc is not None:
                if isinstance(exc, SETUP_ERRORS):
                    return await self._release(
                        item, f"the worker cannot run it: {_describe(exc)}", started, span
                    )
                if isinstance(exc, TimeoutError) and task.timeout is not None:
                    error = f"timed out after {task.timeout:g} s (the task's timeout)"
                else:
                    error = _describe(exc)
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                return await self._fail(item, error, ms)
            outcome = handler_task.result()
            try:
                status = await self._persist(
                    "completing", lambda: self._complete(item, outcome, ms)
                )
            except (AnimusError, TypeError, ValueError) as refused:
                if isinstance(refused, InvalidStateTransition | ConnectionError):
                    raise
                # The database (or the JSON encoder) refused this result alone: fail the item
                # with why, so the refusal is in its attempt history, and carry on.
                self.stats.refused += 1
                span.record_exception(refused)
                span.set_status(Status(StatusCode.ERROR, type(refused).__name__))
                return await self._fail(item, f"the result was refused: {_describe(refused)}", ms)
            if status == "cancelled":
                return self._drop(item, "cancelled", started, span)
            if status != "completed":
                return self._drop(item, "lost", started, span)
            self.stats.completed += 1
            return ItemResult(item, "completed", outcome, None, ms)
        except WorkCancelled:
            return self._drop(item, "cancelled", started, span)
        except InvalidStateTransition:
            return self._drop(item, "lost", started, span)

    async def _fail(self, item: WorkItem, error: str, ms: int) -> ItemResult:
        error = error[:MAX_ERROR_CHARS]
        state = await self._persist(
            "failing", lambda: self.db.fail(item, error, self.retry_delay_seconds)
        )
        self.stats.failed += 1
        return ItemResult(item, state, None, error, ms)

    async def _release(self, item: WorkItem, reason: str, started: float, span: Any) -> ItemResult:
        """Hand the item back without consuming an attempt: this worker cannot run it."""
        ms = int((time.perf_counter() - started) * 1000)
        reason = reason[:MAX_ERROR_CHARS]
        log.error("work item %s (%s) handed back: %s", item.id, item.work_type, reason)
        try:
            await self._persist(
                "handing back",
                lambda: self.db.release(item, reason, self.setup_retry_seconds),
            )
        except InvalidStateTransition:
            return self._drop(item, "lost", started, span)
        self.stats.released += 1
        span.add_event("animus.work.released", {"animus.work.reason": reason})
        return ItemResult(item, "released", None, reason, ms)

    async def _complete(self, item: WorkItem, outcome: Any, ms: int) -> str:
        """Complete with the lease; returns ``completed`` or why not (complete_result's status).
        Batched: join the next ``complete_work_batch``, started at once if none is on its way.
        Raises what the database (or the encoder) refused this item's result with."""
        if not self.batch_complete:
            await self.db.complete(item, outcome, ms)
            self.stats.complete_calls += 1
            return "completed"
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._to_complete.append((item, outcome, ms, done))
        if len(self._completers) < self._completers_max:
            completer = asyncio.create_task(self._complete_pending())
            self._completers.add(completer)
            completer.add_done_callback(self._completers.discard)
        # Shielded: a shutdown that cancels this handler's task must not cancel the settle
        # that is already on its way for it and for the others in its batch.
        return await asyncio.shield(done)

    async def _complete_pending(self) -> None:
        """Send what finished, batch after batch, until nothing waits."""
        while self._to_complete:
            most = sql.COMPLETE_WORK_BATCH_MAX
            batch, self._to_complete = self._to_complete[:most], self._to_complete[most:]
            try:
                results = await self._on_lane(
                    Db.complete_batch,
                    [WorkCompletion.of(item, outcome, ms) for item, outcome, ms, _ in batch],
                )
            except asyncio.CancelledError:
                _fail_futures(batch, asyncio.CancelledError())
                raise
            except ConnectionError as exc:
                _fail_futures(batch, exc)  # each item tries again once the database is back
                continue
            except Exception:
                # Refused as a whole (one result over the limit, or not JSON): settle each
                # item alone, so only the one at fault fails.
                await self._complete_one_by_one(batch)
                continue
            self.stats.complete_calls += 1
            for (*_, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result.status)

    async def _complete_one_by_one(
        self, batch: list[tuple[WorkItem, Any, int, asyncio.Future[str]]]
    ) -> None:
        for item, outcome, ms, done in batch:
            try:
                await self.db.complete(item, outcome, ms)
            except asyncio.CancelledError:
                _fail_futures(batch, asyncio.CancelledError())
                raise
            except LeaseLost:
                status = "lease_lost"
            except WorkCancelled:
                status = "cancelled"
            except UnknownWorkItem:
                status = "unknown"
            except InvalidStateTransition:
                status = "not_running"
            except Exception as exc:
                if not done.done():
                    done.set_exception(exc)
                continue
            else:
                status = "completed"
            self.stats.complete_calls += 1
            if not done.done():
                done.set_result(status)

    def _drop(self, item: WorkItem, why: str, started: float, span: Any) -> ItemResult:
        ms = int((time.perf_counter() - started) * 1000)
        if why == "cancelled":
            self.stats.cancelled += 1
            text = "the item was cancelled"
        else:
            self.stats.lost += 1
            text = "the lease was lost: the item was delivered again or settled by someone else"
        log.warning("work item %s: %s; its result is dropped", item.id, text)
        _dropped_counter().add(1, {"reason": why, "messaging.destination.name": item.queue_name})
        span.add_event("animus.work.dropped", {"reason": why, "animus.work.lease": item.lease})
        return ItemResult(item, why, None, text, ms)

    async def _hand_back(
        self, item: WorkItem, started: float, span: Any, began: bool
    ) -> ItemResult:
        ms = int((time.perf_counter() - started) * 1000)
        error = "the worker shut down before the handler finished"
        try:
            if began:
                state = await self.db.fail(item, error, 0)
            else:
                # Prefetched, never started: its attempt was not used, so it is not counted.
                error = "the worker shut down before it started the item"
                state = await self.db.release(item, error, 0)
        except InvalidStateTransition:
            return self._drop(item, "lost", started, span)
        except ConnectionError as exc:
            # The database is away: the item becomes visible again when its vt runs out.
            log.warning("could not hand back %s (%s): it is delivered again after vt", item.id, exc)
            return ItemResult(item, "running", None, error, ms)
        self.stats.handed_back += 1
        span.add_event("animus.work.handed_back", {"animus.work.state": state})
        return ItemResult(item, "handed_back", None, error, ms)


def _process_span(item: WorkItem) -> Any:
    """The item's ``process`` span; with no tracer provider installed anywhere, the shared
    non-recording span, without building the attributes and parsing the traceparent that
    nobody would see (a tenth of a millisecond per item)."""
    if _state._tracer_provider is None and isinstance(
        trace.get_tracer_provider(), trace.ProxyTracerProvider | trace.NoOpTracerProvider
    ):
        return trace.INVALID_SPAN
    return start_work_span(
        item.work_type, item.id, item.traceparent, queue=item.queue_name, msg_id=item.msg_id
    )


def _describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, with the SQLSTATE of a database refusal first."""
    if isinstance(exc, AnimusError) and exc.sqlstate:
        return f"{exc.sqlstate} {type(exc).__name__}: {exc.message}"
    return f"{type(exc).__name__}: {exc}"


def _fail_futures(
    batch: list[tuple[WorkItem, Any, int, asyncio.Future[str]]], exc: BaseException
) -> None:
    for *_, done in batch:
        if not done.done():
            done.set_exception(exc)


def _dropped_counter() -> Any:
    """The counter on the meter animus's telemetry set up (or the global one), made once."""
    return _state.instrument(
        "animus.worker.dropped",
        lambda meter: meter.create_counter(
            "animus.worker.dropped",
            unit="{item}",
            description="results a worker dropped: the lease was lost or the item cancelled",
        ),
    )


async def _settled_quietly(task: asyncio.Future[Any]) -> None:
    """Wait for a cancelled handler to unwind; its outcome no longer matters."""
    with contextlib.suppress(BaseException):
        await task


__all__ = [
    "SETUP_ERRORS",
    "Handler",
    "HandlerError",
    "ItemResult",
    "MissingText",
    "Retry",
    "TaskRegistry",
    "Worker",
    "WorkerStats",
    "check_handler",
    "item_text",
    "load_handler",
    "load_target",
    "remember",
]

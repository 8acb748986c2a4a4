"""The task registry: one handler per work type, each with its own retry policy and timeout.

::

    tasks = TaskRegistry()

    @tasks.task("summarize", retry=Retry(max_attempts=3, base_seconds=10), timeout=120)
    async def summarize(db: Db, item: WorkItem) -> dict[str, Any]:
        ...

    worker = Worker(db, ["agents"], tasks=tasks)   # or Worker(db, [...], handlers={...})

A task may take its params as a pydantic model: ``@tasks.task("fetch", params=FetchParams)``
validates ``item.params`` into ``FetchParams`` and calls ``handler(db, item, params)``; params
that do not validate fail the item (an item error, not a setup error).

A retry policy is stored in the database (``animus.set_work_type_policy``, table
``animus.work_type_policies``) when the worker starts, beside the queue's policy, so ``fail_work``
applies it whoever fails the item and ``psql`` shows it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import BaseModel

if TYPE_CHECKING:
    from .db import Db
    from .models import WorkItem

F = TypeVar("F", bound=Callable[..., Any])


class HandlerError(ValueError):
    """A handler cannot be used (missing, not a function, a generator, a duplicate type)."""


@dataclass(frozen=True)
class Retry:
    """A work type's retry policy.

    ``max_attempts``: deliveries before the item is dead-lettered (for items submitted without
    their own ``max_attempts``; None: 5). ``base_seconds``: attempt n waits
    ``min(cap_seconds, base_seconds * 2^(n-1))`` seconds, half of it random (0: at once; None:
    the queue's backoff).
    """

    max_attempts: int | None = None
    base_seconds: int | None = None
    cap_seconds: int = 3600

    def __post_init__(self) -> None:
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("Retry.max_attempts must be at least 1")
        if self.base_seconds is not None and not 0 <= self.base_seconds <= 86400:
            raise ValueError("Retry.base_seconds must be between 0 and 86400")
        if not (self.base_seconds or 0) <= self.cap_seconds <= 604800:
            raise ValueError("Retry.cap_seconds must be between base_seconds and 604800")


def check_handler(handler: object, name: str = "the handler") -> Callable[..., Any]:
    """``handler`` if a worker can call it: an ``async def`` or a plain ``def`` (or a callable
    object); generators, classes and non-callables are refused with ``HandlerError``."""
    if not callable(handler):
        raise HandlerError(f"{name} is not callable (it is a {type(handler).__name__})")
    if inspect.isclass(handler):
        raise HandlerError(f"{name} is a class; pass a function handler(db, item)")
    if inspect.isgeneratorfunction(handler) or inspect.isasyncgenfunction(handler):
        raise HandlerError(
            f"{name} is a generator, neither a sync nor an async function; "
            "return the outcome instead of yielding it"
        )
    return cast(Callable[..., Any], handler)


def is_async(handler: Callable[..., Any]) -> bool:
    call = getattr(handler, "__call__", None)  # noqa: B004 - callable objects with async __call__
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(call)


@dataclass(frozen=True)
class Task:
    """One registered work type: its handler, retry policy, timeout and params model."""

    work_type: str
    handler: Callable[..., Any]
    retry: Retry | None = None
    #: seconds the handler may run before it is cancelled and the item failed (None: no limit)
    timeout: float | None = None
    #: a pydantic model ``item.params`` is validated into, passed as the third argument
    params: type[BaseModel] | None = None

    @property
    def is_async(self) -> bool:
        return is_async(self.handler)

    def arguments(self, db: Db, item: WorkItem) -> tuple[Any, ...]:
        """The handler's arguments: ``(db, item)``, plus the validated params model if any
        (``pydantic.ValidationError`` when the params do not fit it)."""
        if self.params is None:
            return (db, item)
        return (db, item, self.params.model_validate(item.params))


class TaskRegistry(Mapping[str, Task]):
    """Handlers by work type. Register with :meth:`task` (a decorator) or :meth:`add`."""

    def __init__(self, handlers: Mapping[str, Callable[..., Any]] | None = None) -> None:
        self._tasks: dict[str, Task] = {}
        for work_type, handler in (handlers or {}).items():
            self.add(work_type, handler)

    def add(
        self,
        work_type: str,
        handler: Callable[..., Any],
        *,
        retry: Retry | None = None,
        timeout: float | None = None,
        params: type[BaseModel] | None = None,
    ) -> Task:
        """Register ``handler`` for ``work_type``; a type registered twice is refused."""
        if not work_type:
            raise HandlerError("a task needs a non-empty work type")
        if work_type in self._tasks:
            raise HandlerError(f"work type {work_type!r} already has a handler")
        if timeout is not None and timeout <= 0:
            raise HandlerError("a task's timeout must be positive seconds (or None)")
        if params is not None and not (isinstance(params, type) and issubclass(params, BaseModel)):
            raise HandlerError("params must be a pydantic model class")
        task = Task(
            work_type,
            check_handler(handler, f"the handler of {work_type!r}"),
            retry,
            timeout,
            params,
        )
        self._tasks[work_type] = task
        return task

    def task(
        self,
        work_type: str,
        *,
        retry: Retry | None = None,
        timeout: float | None = None,
        params: type[BaseModel] | None = None,
    ) -> Callable[[F], F]:
        """Decorator: ``@tasks.task("summarize", retry=Retry(3), timeout=60)``."""

        def register(handler: F) -> F:
            self.add(work_type, handler, retry=retry, timeout=timeout, params=params)
            return handler

        return register

    def __getitem__(self, work_type: str) -> Task:
        return self._tasks[work_type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    def __repr__(self) -> str:
        return f"TaskRegistry({sorted(self._tasks)!r})"


__all__ = ["HandlerError", "Retry", "Task", "TaskRegistry", "check_handler", "is_async"]

"""One exception hierarchy for everything the client raises.

Database errors are mapped by SQLSTATE, never by message text (messages are localised). The
project's own codes (class ``AN``, listed in docs/errors.md) each have a class; the standard codes
the client meets in practice are mapped too. Every mapped exception keeps the server's message,
hint, detail and SQLSTATE, and is raised ``from`` the driver's exception.
"""

from __future__ import annotations

import builtins
from typing import Any


class AnimusError(Exception):
    """Base of every exception the animus client raises."""

    def __init__(
        self,
        message: str,
        *,
        sqlstate: str | None = None,
        hint: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.sqlstate = sqlstate
        self.hint = hint
        self.detail = detail

    def __str__(self) -> str:
        text = self.message
        if self.detail:
            text += f"\nDETAIL: {self.detail}"
        if self.hint:
            text += f"\nHINT: {self.hint}"
        if self.sqlstate:
            text += f"\nSQLSTATE: {self.sqlstate}"
        return text


class ConfigError(AnimusError):
    """The configuration is incomplete or invalid. ``problems`` names every offending variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "invalid animus configuration:\n" + "\n".join(f"  - {p}" for p in problems),
            hint="set the variables in the environment or in a .env file in the working directory "
            "(README.md, Configuration)",
        )


class ProviderError(AnimusError):
    """An embedding or chat provider answered with an error the SDK did not retry away."""

    def __init__(
        self, message: str, *, status_code: int | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.status_code = status_code


class InvalidImportFile(AnimusError):
    """A file given to ``importer.load_import`` holds a line that is not a valid memory."""


class DatabaseError(AnimusError):
    """An error raised by PostgreSQL that has no more specific class."""


class SchemaNotDeployed(DatabaseError):
    """The animus schema (or a function of it) is missing from the database."""


class SchemaOutdated(DatabaseError):
    """The database's Sqitch registry lacks changes this client needs."""


class RetryableError(DatabaseError):
    """Serialization failure or deadlock (40001, 40P01): run the call again."""


class TimeoutError(DatabaseError, builtins.TimeoutError):
    """The statement was canceled, e.g. by statement_timeout (57014)."""


class PermissionDenied(DatabaseError):
    """The role lacks a privilege (42501): grant it animus_app or animus_ops."""


class ConnectionError(DatabaseError, builtins.ConnectionError):
    """The connection to PostgreSQL failed or was lost (SQLSTATE class 08)."""


class ReadOnlyDatabase(DatabaseError):
    """A write reached a read-only server (25006): a hot standby serves only searches."""


class InvalidDeploySetting(DatabaseError):
    """AN000: a Sqitch variable is out of range at deploy time."""


class InvalidInput(DatabaseError):
    """Base of the errors about a bad argument: fix the call, do not retry it."""


class InvalidQueueName(InvalidInput):
    """AN001: empty, longer than 47 characters, or not ``[a-z_][a-z0-9_]*``."""


class NotFound(DatabaseError):
    """Base of the errors about something that does not exist."""


class UnknownQueue(NotFound):
    """AN002: the queue was never created with ``create_queue``."""


class UnknownWorkItem(NotFound):
    """AN003: no work item has that id (or matches that queue and msg_id)."""


class InvalidStateTransition(DatabaseError):
    """AN004: the item's state does not allow the call."""


class LeaseLost(InvalidStateTransition):
    """AN015: the lease is no longer current: the item was delivered again (or handed back)
    since this delivery, so its result must be dropped. Nothing was changed."""


class WorkCancelled(InvalidStateTransition):
    """AN016: the item was cancelled with ``cancel_work``; stop working on it and drop the
    result. Nothing was changed."""


class PgCronMissing(DatabaseError):
    """AN017: pg_cron is not installed in this database (schedules need it); the hint says
    how to set it up."""


class InvalidSchedule(InvalidInput):
    """AN018: the cron schedule is not one pg_cron accepts."""


class UnknownSchedule(NotFound):
    """AN019: no schedule has that name."""


class ScheduleNotOwned(PermissionDenied):
    """AN050: the schedule belongs to another role; only its owner (or a member of it) and the
    owner of the animus schema may replace, pause or remove it. Nothing was changed."""


class InvalidParams(InvalidInput):
    """AN005: ``params`` is not a JSON object."""


class FieldTooLarge(InvalidInput):
    """AN006: a field is over its limit."""


class InvalidBatch(InvalidInput):
    """AN007: a batch is not a JSON array of objects, or an item lacks a required field."""


class InvalidArgument(InvalidInput):
    """AN008: any other bad argument (empty names, negative delays, out-of-range counts)."""


class UnknownFilterKey(InvalidInput):
    """AN010: ``filters`` has a key the search functions do not know."""


class InvalidFilterValue(InvalidInput):
    """AN011: a filter value has the wrong type."""


class EmbeddingDimensionMismatch(InvalidInput):
    """AN012, or found at connect: an embedding's length differs from ``animus.embedding_dim()``.

    ``expected`` and ``actual`` hold the two numbers when the client detected the mismatch.
    """

    def __init__(
        self,
        message: str,
        *,
        expected: int | None = None,
        actual: int | None = None,
        sqlstate: str | None = None,
        hint: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message, sqlstate=sqlstate, hint=hint, detail=detail)
        self.expected = expected
        self.actual = actual


class InvalidEmbedding(InvalidInput):
    """AN013: an embedding is empty, contains NaN or infinity, or is all zeros."""


class InvalidMetadata(InvalidInput):
    """AN014: ``metadata`` is not a JSON object."""


class ContentNeedsEmbedding(InvalidInput):
    """AN020: ``update_memory`` got new content without a new embedding."""


class DuplicateContent(InvalidInput):
    """AN021: ``update_memory``'s new content is already another unkeyed memory of its type."""


class InvalidScope(InvalidInput):
    """AN026: a memory scope is NULL, empty, over 255 bytes, or has a character outside
    ASCII letters, digits and ``. _ : @ / = + -``."""


class ScopeNotAllowed(PermissionDenied):
    """AN027: the role is bound to other scopes (``animus.scope_bindings``)."""


class InvalidEmbeddingDim(InvalidInput):
    """AN030: ``set_embedding_dim`` got a dimension outside 1..4000 (pgvector indexes vector up
    to 2,000 dimensions and halfvec up to 4,000)."""


class InvalidPartitionCount(InvalidInput):
    """AN038: ``partition_memories`` got a partition count outside 2..256."""


class MemoryLayoutMismatch(DatabaseError):
    """AN039: ``partition_memories`` found the memories already partitioned into that count,
    ``unpartition_memories`` found them not partitioned, or an object depends on the table that
    the rebuild cannot carry over (a foreign key, a policy, a SQL-body function)."""


class InvalidEmbeddingBatch(InvalidInput):
    """AN031: ``set_embeddings`` items are not a JSON array (at most 1,000) of objects with a
    memory id and an embedding array, or name an id twice, or carry a content_hash that is not
    hexadecimal."""


class PartmanMissing(DatabaseError):
    """AN034: a partitioned queue was asked for, but pg_partman is not installed in this
    database; the hint says how to set it up. Nothing was created."""


class InvalidPartitioning(InvalidInput):
    """AN035: ``partition_interval`` or ``retention_interval`` is invalid (not a msg id count
    or an interval, mixed kinds, a retention shorter than one partition), or given without
    ``partitioned``."""


class QueueLayoutMismatch(InvalidInput):
    """AN036: the queue exists with another layout: unpartitioned, or other intervals."""


class SetupError(AnimusError):
    """The worker cannot run an item at all, whatever the item: a missing API key, model or
    embedder. Raise it from a handler (or let an ImportError or ``ConfigError`` through): the
    worker hands the item back without consuming an attempt, instead of failing it."""


class MissingEmbedder(SetupError):
    """A memory call needs an embedder, and neither the call nor the ``Db`` has one."""


class WorkFailed(AnimusError):
    """``Db.wait_for``: the awaited work ended without a result. ``result`` is its
    ``WorkResult`` (state ``dead``, ``outcome_error`` the last error)."""

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


class WorkDead(WorkFailed):
    """``Db.wait_for``: the item was dead-lettered (its attempts were used up, or it was
    deleted)."""


class WorkWasCancelled(WorkFailed):
    """``Db.wait_for``: the item was cancelled (``cancel_work``) before it completed."""


class WaitTimeout(AnimusError, builtins.TimeoutError):
    """``Db.wait_for``: the item was not settled within the timeout (it may still be)."""


#: Exception class for each SQLSTATE the client maps exactly.
SQLSTATE_ERRORS: dict[str, type[DatabaseError]] = {
    "AN000": InvalidDeploySetting,
    "AN001": InvalidQueueName,
    "AN002": UnknownQueue,
    "AN003": UnknownWorkItem,
    "AN004": InvalidStateTransition,
    "AN005": InvalidParams,
    "AN006": FieldTooLarge,
    "AN007": InvalidBatch,
    "AN008": InvalidArgument,
    "AN010": UnknownFilterKey,
    "AN011": InvalidFilterValue,
    "AN012": EmbeddingDimensionMismatch,
    "AN013": InvalidEmbedding,
    "AN014": InvalidMetadata,
    "AN015": LeaseLost,
    "AN016": WorkCancelled,
    "AN017": PgCronMissing,
    "AN018": InvalidSchedule,
    "AN019": UnknownSchedule,
    "AN020": ContentNeedsEmbedding,
    "AN021": DuplicateContent,
    "AN026": InvalidScope,
    "AN027": ScopeNotAllowed,
    "AN030": InvalidEmbeddingDim,
    "AN031": InvalidEmbeddingBatch,
    "AN034": PartmanMissing,
    "AN035": InvalidPartitioning,
    "AN036": QueueLayoutMismatch,
    "AN038": InvalidPartitionCount,
    "AN039": MemoryLayoutMismatch,
    "AN050": ScheduleNotOwned,
    "40001": RetryableError,
    "40P01": RetryableError,
    "22P05": InvalidInput,  # untranslatable_character: U+0000 in JSON, which jsonb cannot hold
    "57014": TimeoutError,
    "55P03": TimeoutError,  # lock_not_available: lock_timeout expired
    "57P01": ConnectionError,  # admin_shutdown: the server is stopping or restarting
    "57P02": ConnectionError,  # crash_shutdown
    "57P03": ConnectionError,  # cannot_connect_now: the server is starting up
    "42501": PermissionDenied,
    "25006": ReadOnlyDatabase,  # read_only_sql_transaction: a write sent to a hot standby
    "3F000": SchemaNotDeployed,
    "42883": SchemaNotDeployed,
}


def error_class(sqlstate: str | None) -> type[DatabaseError]:
    """The exception class for a SQLSTATE (class 08 is any connection failure)."""
    if sqlstate is None:
        return DatabaseError
    exact = SQLSTATE_ERRORS.get(sqlstate)
    if exact is not None:
        return exact
    if sqlstate.startswith("08"):
        return ConnectionError
    return DatabaseError


_CHECK_CREDENTIALS = (
    "check the user name and password in the URL (a password holding '/', '@', ':', '#' or "
    "'?' must be percent-encoded)"
)

#: Hints for standard SQLSTATEs whose server message says what went wrong but not what to do
#: (a connection attempt's errors among them).
_DEFAULT_HINTS: dict[str, str] = {
    "25006": "this server is a read-only hot standby: send writes to the primary "
    "(DATABASE_URL); the read pool (ANIMUS_READ_DATABASE_URL) serves searches only",
    "3D000": "create the database and deploy the animus schema into it (animus db deploy "
    "--url URL creates it when it can), or fix the database name in the URL",
    "28P01": _CHECK_CREDENTIALS,
    "28000": _CHECK_CREDENTIALS,
}


def map_db_error(exc: BaseException) -> AnimusError:
    """The animus exception for a driver exception; raise it ``from exc``."""
    import asyncpg  # here, so that the CLI's --help and error reports need no driver

    if isinstance(exc, asyncpg.PostgresError):
        sqlstate: str | None = getattr(exc, "sqlstate", None)
        return error_class(sqlstate)(
            getattr(exc, "message", None) or str(exc),
            sqlstate=sqlstate,
            hint=getattr(exc, "hint", None) or _DEFAULT_HINTS.get(sqlstate or ""),
            detail=getattr(exc, "detail", None),
        )
    if isinstance(exc, OSError):  # refused, unreachable, or timed out (TimeoutError is an OSError)
        return ConnectionError(f"cannot reach PostgreSQL: {exc}")
    if isinstance(exc, asyncpg.InterfaceError | asyncpg.InternalClientError):
        # The driver lost its connection mid-call (e.g. the server restarted): no SQLSTATE.
        return ConnectionError(f"lost the connection to PostgreSQL: {exc}")
    return AnimusError(str(exc))


__all__ = [
    "SQLSTATE_ERRORS",
    "AnimusError",
    "ConfigError",
    "ConnectionError",
    "ContentNeedsEmbedding",
    "DatabaseError",
    "DuplicateContent",
    "EmbeddingDimensionMismatch",
    "FieldTooLarge",
    "InvalidArgument",
    "InvalidBatch",
    "InvalidDeploySetting",
    "InvalidEmbedding",
    "InvalidEmbeddingBatch",
    "InvalidEmbeddingDim",
    "InvalidFilterValue",
    "InvalidImportFile",
    "InvalidInput",
    "InvalidMetadata",
    "InvalidParams",
    "InvalidPartitioning",
    "InvalidQueueName",
    "InvalidSchedule",
    "InvalidScope",
    "InvalidStateTransition",
    "LeaseLost",
    "MissingEmbedder",
    "NotFound",
    "PartmanMissing",
    "PermissionDenied",
    "PgCronMissing",
    "ProviderError",
    "QueueLayoutMismatch",
    "ReadOnlyDatabase",
    "RetryableError",
    "ScheduleNotOwned",
    "SchemaNotDeployed",
    "SchemaOutdated",
    "ScopeNotAllowed",
    "SetupError",
    "TimeoutError",
    "UnknownFilterKey",
    "UnknownQueue",
    "UnknownSchedule",
    "UnknownWorkItem",
    "WaitTimeout",
    "WorkCancelled",
    "WorkDead",
    "WorkFailed",
    "WorkWasCancelled",
    "error_class",
    "map_db_error",
]

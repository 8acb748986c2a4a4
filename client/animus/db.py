"""The connection to an animus database: pool, codecs, health check, and the one SQL exit.

``Db`` holds the calls of ``work.WorkCalls`` and ``memory.MemoryCalls``; every statement they
send goes through ``Db._send``, so instrumentation has a single place to hook in.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections import Counter
from collections.abc import Mapping
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, Self

import asyncpg
from pgvector.asyncpg import register_vector

from . import sql
from .database_url import normalize_database_url
from .embeddings import Embedder
from .errors import (
    AnimusError,
    ConfigError,
    InvalidParams,
    SchemaNotDeployed,
    SchemaOutdated,
    map_db_error,
)
from .memory import DEFAULT_SCOPE, MemoryCalls
from .reembed import ReembedCalls, dimension_change_hint
from .telemetry.gauges import QueueGauges
from .telemetry.sqlcommenter import CommentingConnection, QuietResetConnection
from .telemetry.wiring import WorkTelemetry
from .work import WorkCalls

if TYPE_CHECKING:
    # pydantic-settings loads only for a caller that passes a Config.
    from .config import Config

#: The Sqitch changes (sqitch.plan) whose functions this client calls, each with the number of
#: times its name is in the plan: a `sqitch rework` adds the name once more, and the registry of
#: an upgraded database then lists it once per deployed version. Connect fails with
#: SchemaOutdated when the database lacks any of them, or holds an older version of one.
REQUIRED_CHANGES: Mapping[str, int] = MappingProxyType(
    {
        "function_embedding_dim": 1,
        "function_deployed_changes": 1,
        "function_create_queue": 4,
        "function_submit_work": 4,
        "function_submit_work_batch": 4,
        "function_read_work": 4,
        "queue_priority_index": 1,
        "function_complete_work": 3,
        "function_complete_work_batch": 2,
        "function_fail_work": 3,
        "function__retry_delay": 2,  # fail_work's backoff, which now reads the type's policy
        "function_release_work": 1,
        "function_work_result": 1,
        "function_set_work_type_policy": 1,
        "table_work_attempts": 1,
        "trigger_work_items_settled": 1,
        "function_extend_work": 2,
        "function_archive_work": 1,
        "function_delete_work": 1,
        "function_requeue_dead": 3,
        "function_cancel_work": 1,
        "function_set_queue_policy": 1,
        "function_reconcile": 2,
        "function_purge": 2,
        "function_schedule_work": 2,
        "function_store_memory": 3,
        "function_store_memories": 4,
        "function_search_memory": 3,
        "function_hybrid_search": 3,
        "view_queue_overview": 2,
        "function_forget_memory": 2,
        "function_forget_memories": 3,
        "function_get_memory": 2,
        "function_update_memory": 2,
        "function_store_document": 2,
        "function_forget_document": 2,
        "table_memories_scope": 1,
        "view_memory_overview": 2,
        "function_reembed": 2,
        "function_stored_documents": 1,
    }
)

_DEPLOY_HINT = (
    "deploy it: animus db deploy --url URL (the schema this client was built with; needs "
    "Sqitch), or sqitch deploy in an animus checkout"
)


def dimension_mismatch_hint(deployed: int, wanted: int) -> str:
    """What to do when an embedder's dimension differs from the database's (see
    ``animus.reembed.dimension_change_hint``: another embedder, or set_embedding_dim and a
    re-embed)."""
    return dimension_change_hint(deployed, wanted)


def _json_default(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _json_dumps(value: Any) -> str:
    # allow_nan=False: NaN and Infinity are not JSON, and PostgreSQL's parser would refuse them.
    return json.dumps(value, default=_json_default, allow_nan=False)


async def init_connection(connection: asyncpg.Connection) -> None:
    """Register the codecs the client relies on: jsonb/json as Python objects, pgvector.

    ``Db.connect`` runs this on each connection of the pools it builds. Pass it as
    ``init=animus.init_connection`` when you build a pool to hand to ``Db.connect(pool=...)``.
    """
    for json_type in ("jsonb", "json"):
        await connection.set_type_codec(
            json_type, encoder=_json_dumps, decoder=json.loads, schema="pg_catalog"
        )
    try:
        await register_vector(connection)
    except ValueError as exc:
        # No vector extension: the schema is not deployed, which the health check reports.
        if not str(exc).startswith("unknown type"):
            raise


class Db(WorkCalls, MemoryCalls, ReembedCalls):
    """An animus database. Build it with ``await Db.connect(...)``; close it with ``close()``
    or ``async with``. It closes only the pool it opened, never the caller's pool or connection.
    """

    def __init__(
        self,
        executor: asyncpg.Pool | asyncpg.Connection,
        *,
        owned: bool,
        embedder: Embedder | None = None,
        reader: asyncpg.Pool | None = None,
        reader_owned: bool = False,
        scope: str = DEFAULT_SCOPE,
    ) -> None:
        self._executor = executor
        self._owned = owned
        self._reader = reader
        self._reader_owned = reader_owned
        self.embedder = embedder
        self.scope = scope
        self._work_telemetry = WorkTelemetry()

    @classmethod
    async def connect(
        cls,
        target: str | Config | None = None,
        *,
        embedder: Embedder | None = None,
        pool: asyncpg.Pool | None = None,
        connection: asyncpg.Connection | None = None,
        min_size: int | None = None,
        max_size: int | None = None,
        sqlcommenter: bool | None = None,
        read_url: str | None = None,
        read_pool: asyncpg.Pool | None = None,
        scope: str = DEFAULT_SCOPE,
    ) -> Self:
        """Connect and check the database before returning.

        ``target`` is a postgresql:// URL or a ``Config``. Instead, pass the caller's ``pool``
        (built with ``init=animus.init_connection``) or ``connection`` (the codecs are
        registered on it); those stay open when the ``Db`` closes.

        Raises ``SchemaNotDeployed``, ``SchemaOutdated`` (the Sqitch registry lacks a change
        in ``REQUIRED_CHANGES``) or ``EmbeddingDimensionMismatch`` (``embedder.dimensions``
        differs from ``animus.embedding_dim()``).

        A pool built here uses ``telemetry.CommentingConnection``: while a sampled span is
        current, each statement carries the sqlcommenter comment with its traceparent.
        ``sqlcommenter=False`` (or ``ANIMUS_SQLCOMMENTER=false``; the argument wins) builds it
        with ``telemetry.QuietResetConnection`` (no comments) instead. Both run the pool's
        connection reset without a database span.

        ``read_url`` (or ``Config.read_database_url``, ``ANIMUS_READ_DATABASE_URL``) names a
        streaming replica, or ``read_pool`` is the caller's pool on one. Memory searches
        (``search_memory``, ``hybrid_search``) and the overviews then run there; every write
        and every queue call stays on the primary. A replica lags the primary by its replay
        lag: pass ``on_primary=True`` to a search that must see this client's own writes.

        ``scope`` is the scope of every memory call that names none (``"default"`` unless
        set); ``scoped`` gives a view of the same pools bound to another.
        """
        given = [x for x in (target, pool, connection) if x is not None]
        if len(given) != 1:
            raise TypeError("Db.connect takes exactly one of: a URL or Config, pool=, connection=")
        executor: asyncpg.Pool | asyncpg.Connection
        if pool is not None:
            executor, owned = pool, False
        elif connection is not None:
            try:
                await init_connection(connection)
            except (asyncpg.PostgresError, OSError) as exc:
                raise map_db_error(exc) from exc
            executor, owned = connection, False
        else:
            executor = await _create_pool(target, min_size, max_size, sqlcommenter)
            owned = True
        if read_url is None and read_pool is None and not isinstance(target, str | None):
            if target.read_database_url is not None:
                read_url = target.read_database_url.get_secret_value()
        reader, reader_owned = read_pool, False
        if read_url is not None and read_pool is None:
            try:
                reader = await _create_pool(read_url, min_size, max_size, sqlcommenter)
            except BaseException:
                if owned:
                    await executor.close()
                raise
            reader_owned = True
        db = cls(
            executor,
            owned=owned,
            embedder=embedder,
            reader=reader,
            reader_owned=reader_owned,
            scope=scope,
        )
        try:
            await db.check()
        except BaseException:
            await db.close()
            raise
        return db

    async def check(self) -> None:
        """The health check ``connect`` runs: schema, Sqitch changes, embedding dimension."""
        probe = await self._send("fetchrow", sql.HEALTH_PROBE)
        if not (probe["schema_deployed"] and probe["has_embedding_dim"]):
            raise SchemaNotDeployed(
                "the animus schema is not deployed in this database", hint=_DEPLOY_HINT
            )
        if probe["registry_readable"]:
            deployed = Counter(r["change"] for r in await self._send("fetch", sql.DEPLOYED_CHANGES))
            missing = [c for c, times in REQUIRED_CHANGES.items() if deployed[c] < times]
            if missing:
                raise SchemaOutdated(
                    "the database's animus schema is older than this client: it lacks the current "
                    f"version of the Sqitch changes {', '.join(missing)}",
                    hint=_DEPLOY_HINT,
                )
        if not self._owned and not isinstance(await self._send("fetchval", sql.JSONB_PROBE), dict):
            raise AnimusError(
                "the pool lacks the animus codecs",
                hint="build it with asyncpg.create_pool(..., init=animus.init_connection)",
            )
        if self._reader is not None:
            await self._check_reader()
        if self.embedder is not None:
            await self._check_embedder_dim(self.embedder)

    async def _check_reader(self) -> None:
        # A physical replica holds the primary's schema; one that does not is a wrong URL.
        probe = await self._send_read("fetchrow", sql.HEALTH_PROBE)
        if not (probe["schema_deployed"] and probe["has_embedding_dim"]):
            raise SchemaNotDeployed(
                "the animus schema is not deployed in the read pool's database",
                hint="point read_url (ANIMUS_READ_DATABASE_URL) at a streaming replica of the "
                "primary's database (locally: script/db replica url)",
            )
        primary_dim = await self.embedding_dim()
        replica_dim: int = await self._send_read("fetchval", sql.EMBEDDING_DIM)
        if replica_dim != primary_dim:
            raise SchemaOutdated(
                f"the read pool's database stores {replica_dim}-dimensional embeddings, the "
                f"primary {primary_dim}-dimensional ones: it is not a replica of this database",
                hint="point read_url (ANIMUS_READ_DATABASE_URL) at a streaming replica of the "
                "primary's database",
            )

    async def embedding_dim(self) -> int:
        """The dimension the schema was deployed with (``animus.embedding_dim()``)."""
        dim: int = await self._send("fetchval", sql.EMBEDDING_DIM)
        return dim

    def queue_gauges(self, interval_seconds: float = 15.0) -> QueueGauges:
        """Queue depth and oldest-age gauges from ``animus.queue_overview`` (an animus_ops
        view), refreshed every ``interval_seconds``; ``await gauges.start()`` to begin."""
        return QueueGauges(self.queue_overview, interval_seconds)

    @property
    def pool(self) -> asyncpg.Pool | None:
        """The pool in use (None when the Db wraps a single connection)."""
        return self._executor if isinstance(self._executor, asyncpg.Pool) else None

    @property
    def read_pool(self) -> asyncpg.Pool | None:
        """The replica's pool that serves searches and overviews (None: the primary does)."""
        return self._reader

    async def _send(self, method: sql.FetchMethod, query: str, *args: Any) -> Any:
        return await self._run(self._executor, method, query, *args)

    async def _send_rolled_back(self, method: sql.FetchMethod, query: str, *args: Any) -> Any:
        if isinstance(self._executor, asyncpg.Pool):
            async with self._executor.acquire() as conn:
                return await self._roll_back(conn, method, query, *args)
        return await self._roll_back(self._executor, method, query, *args)

    async def _roll_back(
        self, conn: asyncpg.Connection, method: sql.FetchMethod, query: str, *args: Any
    ) -> Any:
        # On a caller's connection already in a transaction this is a savepoint, rolled back
        # alone.
        transaction = conn.transaction()
        await transaction.start()
        try:
            return await self._run(conn, method, query, *args)
        finally:
            await transaction.rollback()

    async def _send_read(
        self, method: sql.FetchMethod, query: str, *args: Any, on_primary: bool = False
    ) -> Any:
        reader = self._executor if on_primary or self._reader is None else self._reader
        return await self._run(reader, method, query, *args)

    async def _run(
        self,
        executor: asyncpg.Pool | asyncpg.Connection,
        method: sql.FetchMethod,
        query: str,
        *args: Any,
    ) -> Any:
        # The single exit for SQL: the connection classes add the sqlcommenter comment and the
        # asyncpg instrumentation the database span.
        try:
            return await getattr(executor, method)(query, *args)
        except (
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,
            OSError,
        ) as exc:
            raise map_db_error(exc) from exc
        except RecursionError:
            # Only encoding an argument recurses: a JSON value nested too deeply for the codec
            # (asyncpg's own error report recurses too). Nothing was sent.
            raise InvalidParams(
                "a JSON argument is nested too deeply to encode",
                hint="flatten the structure; params and metadata are stored as JSON objects",
            ) from None

    def scoped(self, scope: str) -> Db:
        """This database seen from one scope: the same pools, connection and embedder, with
        ``scope`` as the scope of every memory call that names none. Hand it to an agent so
        that all it stores and recalls stays in its tenant's (or user's, or run's) scope. The
        view owns nothing: closing it closes nothing, and it works while this ``Db`` is open.
        """
        view = Db(
            self._executor,
            owned=False,
            embedder=self.embedder,
            reader=self._reader,
            reader_owned=False,
            scope=scope,
        )
        view._work_telemetry = self._work_telemetry
        return view

    async def close(self) -> None:
        """Close the pool if this Db opened it; a caller's pool or connection stays open."""
        if self._reader_owned and self._reader is not None:
            await self._reader.close()
        if self._owned and isinstance(self._executor, asyncpg.Pool):
            await self._executor.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        kind = "pool" if isinstance(self._executor, asyncpg.Pool) else "connection"
        replica = " read_pool" if self._reader is not None else ""
        return (
            f"<Db {kind}{replica} owned={self._owned} embedder={self.embedder!r} "
            f"scope={self.scope!r}>"
        )


def sqlcommenter_enabled(sqlcommenter: bool | None = None) -> bool:
    """The argument when given, else ``ANIMUS_SQLCOMMENTER`` (anything but ``false`` is on)."""
    if sqlcommenter is not None:
        return sqlcommenter
    return os.environ.get("ANIMUS_SQLCOMMENTER", "true").strip().lower() != "false"


async def _create_pool(
    target: str | Config | None,
    min_size: int | None,
    max_size: int | None,
    sqlcommenter: bool | None = None,
) -> asyncpg.Pool:
    if isinstance(target, str):
        dsn = normalize_database_url(target, name="the database URL")
    else:
        from .config import Config

        if not isinstance(target, Config):
            raise TypeError("Db.connect needs a URL or a Config")
        dsn = target.database_url.get_secret_value()
        min_size = target.pool_min_size if min_size is None else min_size
        max_size = target.pool_max_size if max_size is None else max_size
    min_size = 1 if min_size is None else min_size
    max_size = max(10, min_size) if max_size is None else max_size
    try:
        pool: asyncpg.Pool = await asyncpg.create_pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            init=init_connection,
            connection_class=(
                CommentingConnection if sqlcommenter_enabled(sqlcommenter) else QuietResetConnection
            ),
        )
    except (asyncpg.PostgresError, OSError) as exc:
        raise map_db_error(exc) from exc
    except ValueError as exc:
        # asyncpg's own DSN checks (ClientConfigurationError is a ValueError). A plain
        # ValueError may quote part of the URL, so only asyncpg's own messages are kept, and
        # nothing is chained: a traceback must not show the password either.
        reason = str(exc) if isinstance(exc, asyncpg.ClientConfigurationError) else ""
        raise ConfigError(
            [f"the database URL is not valid{': ' + reason if reason else ''}"]
        ) from None
    return pool


__all__ = [
    "REQUIRED_CHANGES",
    "Db",
    "dimension_mismatch_hint",
    "init_connection",
    "sqlcommenter_enabled",
]

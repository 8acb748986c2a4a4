"""sqlcommenter for asyncpg: the trace context appended to every SQL statement as a comment.

The comment follows the sqlcommenter format (https://google.github.io/sqlcommenter/spec/):
``/*application='animus',db_driver='asyncpg%3A0.32.0',traceparent='00-…-01'*/``, with keys
sorted, values URL-encoded and in single quotes, placed before a trailing semicolon, and
never added to a statement that already has a comment. Operators then see the trace of the
statement in ``pg_stat_activity``, in the server log and in pg_tracing, and
``animus.submit_work`` stores the traceparent it finds there with the work item.

Cost. asyncpg caches one prepared statement per distinct text, so a comment that changes with
every span makes every statement a cache miss: a named statement is parsed, described, kept
in the LRU cache and later closed again. :class:`CommentingConnection` sends a commented
statement as an *unnamed* statement instead and leaves the cache to the uncommented texts.
Comments are added only while the current span is sampled (the OpenTelemetry database
conventions advise the same), so with a ratio sampler the cost scales with the ratio. The
figures are in ``docs/observability.md`` and ``bench/sqlcomment_overhead.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import asyncpg
from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation

__all__ = [
    "CommentingConnection",
    "QuietResetConnection",
    "SqlCommenter",
    "add_sql_comment",
    "commenting_connection_class",
    "current_trace_comment_fields",
    "format_sql_comment",
]

#: A statement that already carries a comment is left alone (the sqlcommenter spec says so).
_HAS_COMMENT = re.compile(r"--|/\*")
_TRAILING_SEMICOLON = re.compile(r";\s*\Z")


def _encode(value: str) -> str:
    """URL-encode a key or value, then escape the single quotes that would end it."""
    return quote(value, safe="").replace("'", "\\'")


def format_sql_comment(fields: dict[str, str]) -> str:
    """The comment for ``fields``: keys sorted, values URL-encoded in single quotes.

    Empty values are dropped, and no fields give an empty string.
    """
    pairs = [f"{_encode(k)}='{_encode(v)}'" for k, v in sorted(fields.items()) if v]
    return f"/*{','.join(pairs)}*/" if pairs else ""


def add_sql_comment(sql: str, fields: dict[str, str]) -> str:
    """``sql`` with the comment for ``fields`` appended, before any trailing semicolon.

    A statement that already contains a comment (``--`` or ``/*``) is returned unchanged.
    """
    comment = format_sql_comment(fields)
    if not comment or _HAS_COMMENT.search(sql):
        return sql
    match = _TRAILING_SEMICOLON.search(sql)
    if match:
        return f"{sql[: match.start()].rstrip()}{comment};"
    return f"{sql.rstrip()}{comment}"


def current_trace_comment_fields() -> dict[str, str]:
    """``traceparent`` and ``tracestate`` of the current span, when it is recording and sampled.

    An empty dict otherwise: unsampled statements stay byte-identical, so they keep hitting
    asyncpg's prepared-statement cache.
    """
    span = trace.get_current_span()
    ctx = span.get_span_context()
    if not (span.is_recording() and ctx.is_valid and ctx.trace_flags.sampled):
        return {}
    fields = {"traceparent": f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}"}
    if ctx.trace_state:
        fields["tracestate"] = ctx.trace_state.to_header()
    return fields


@dataclass(frozen=True)
class SqlCommenter:
    """What to put in the comment, and whether to put one at all."""

    enabled: bool = True
    application: str = "animus"
    db_driver: str = f"asyncpg:{asyncpg.__version__}"

    def comment(self, sql: str) -> str:
        """``sql`` with the comment of the current span, or unchanged (off, no sampled span)."""
        if not self.enabled:
            return sql
        fields = current_trace_comment_fields()
        if not fields:
            return sql
        fields["application"] = self.application
        fields["db_driver"] = self.db_driver
        return add_sql_comment(sql, fields)


class QuietResetConnection(asyncpg.Connection):  # type: ignore[misc]
    """An asyncpg connection whose pool reset is housekeeping, not a traced statement.

    A pool runs ``Connection.reset()`` (``SELECT pg_advisory_unlock_all(); CLOSE ALL; ...``)
    each time a connection goes back, inside the caller's span; the asyncpg instrumentation
    would record it as a second database span of every call. Here it runs with the
    instrumentation suppressed, and (in :class:`CommentingConnection`) without a comment.
    """

    _resetting = False

    async def reset(self, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        self._resetting = True
        try:
            with suppress_instrumentation():
                await super().reset(timeout=timeout)
        finally:
            self._resetting = False


class CommentingConnection(QuietResetConnection):
    """An asyncpg connection that appends the sqlcommenter comment to every statement.

    Use it with ``asyncpg.connect(..., connection_class=…)`` or ``create_pool(...,
    connection_class=…)``; :func:`commenting_connection_class` makes one with its own
    :class:`SqlCommenter`. It hooks asyncpg's two entry points for statement text: the
    statement preparation every ``fetch*``/``execute``/``executemany``/``prepare``/cursor goes
    through, and the simple-protocol path of ``execute`` without arguments. The first one runs
    inside the span of the asyncpg instrumentation, so the comment names the database span.
    ``_get_statement`` is asyncpg's private method (pinned in constraints.txt); the
    ``pg_stat_activity`` and ``current_query()`` tests fail if an upgrade moves it.
    """

    #: None: the one ``init_telemetry`` configured (on by default, off when telemetry is off)
    sqlcommenter: SqlCommenter | None = None

    def _comment(self, query: str) -> str:
        from . import _state

        commenter = self.sqlcommenter
        if commenter is None:
            # Following init_telemetry: with no tracer provider nothing can be sampled.
            if not _state.tracing_active():
                return query
            commenter = _state.commenter()
        return commenter.comment(query)

    async def _get_statement(self, query: str, timeout: Any, **kwargs: Any) -> Any:  # noqa: ASYNC109
        commented = self._comment(query)
        if commented is not query and not kwargs.get("named"):
            # A text unique to this span: keep it out of the LRU cache as an unnamed statement,
            # so it neither evicts the cached plain statements nor costs a Close later.
            kwargs["use_cache"] = False
        return await super()._get_statement(commented, timeout, **kwargs)

    async def execute(
        self,
        query: str,
        *args: Any,
        timeout: float | None = None,  # noqa: ASYNC109 (asyncpg's signature)
    ) -> str:
        if not args and not self._resetting:
            query = self._comment(query)
        result: str = await super().execute(query, *args, timeout=timeout)
        return result


def commenting_connection_class(
    commenter: SqlCommenter | None = None,
) -> type[CommentingConnection]:
    """A :class:`CommentingConnection` subclass bound to ``commenter`` (for ``connection_class=``).

    Without one it follows the commenter that ``init_telemetry`` configured.
    """
    return type(
        "CommentingConnection",
        (CommentingConnection,),
        {"sqlcommenter": commenter, "__module__": __name__},
    )

"""SQLSTATE mapping: every code in docs/errors.md, raised for real by PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

import animus.errors as errors
from animus.errors import AnimusError, map_db_error

ROOT = Path(__file__).resolve().parents[2]


def documented_codes() -> dict[str, str]:
    """SQLSTATE -> exception class name, from the table in docs/errors.md."""
    text = (ROOT / "docs" / "errors.md").read_text()
    return dict(re.findall(r"^\| `(AN\d{3})` \| `(\w+)` \|", text, flags=re.MULTILINE))


@pytest.mark.unit
def test_docs_list_the_project_codes() -> None:
    assert len(documented_codes()) >= 14


@pytest.mark.unit
@pytest.mark.parametrize("sqlstate", sorted(documented_codes()))
def test_each_documented_code_has_its_documented_class(sqlstate: str) -> None:
    name = documented_codes()[sqlstate]
    cls = getattr(errors, name)
    assert errors.error_class(sqlstate) is cls
    assert issubclass(cls, AnimusError)


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    try:
        yield connection
    finally:
        await connection.close()


async def raised(conn: asyncpg.Connection, sql: str) -> AnimusError:
    try:
        await conn.execute(sql)
    except asyncpg.PostgresError as exc:
        return map_db_error(exc)
    raise AssertionError(f"{sql!r} did not fail")


def raise_sql(sqlstate: str) -> str:
    return (
        "DO $$ BEGIN RAISE EXCEPTION 'boom %', 42 "
        f"USING ERRCODE = '{sqlstate}', HINT = 'do this', DETAIL = 'because'; END $$"
    )


@pytest.mark.parametrize("sqlstate", sorted(documented_codes()))
async def test_a_real_error_keeps_message_hint_detail_and_code(
    conn: asyncpg.Connection, sqlstate: str
) -> None:
    error = await raised(conn, raise_sql(sqlstate))
    assert type(error).__name__ == documented_codes()[sqlstate]
    assert (error.message, error.hint, error.detail, error.sqlstate) == (
        "boom 42",
        "do this",
        "because",
        sqlstate,
    )
    assert "HINT: do this" in str(error)


@pytest.mark.parametrize(
    ("sqlstate", "cls"),
    [
        ("40001", errors.RetryableError),
        ("40P01", errors.RetryableError),
        ("57014", errors.TimeoutError),
        ("42501", errors.PermissionDenied),
        ("08006", errors.ConnectionError),
        ("3F000", errors.SchemaNotDeployed),
        ("42883", errors.SchemaNotDeployed),
        ("22012", errors.DatabaseError),
    ],
)
async def test_standard_codes(conn: asyncpg.Connection, sqlstate: str, cls: type) -> None:
    error = await raised(conn, raise_sql(sqlstate))
    assert type(error) is cls
    assert error.sqlstate == sqlstate


async def test_a_real_statement_timeout_is_a_timeout(conn: asyncpg.Connection) -> None:
    await conn.execute("SET statement_timeout = '50ms'")
    error = await raised(conn, "SELECT pg_sleep(2)")
    assert isinstance(error, errors.TimeoutError)
    assert isinstance(error, TimeoutError), "also catchable as the builtin"


async def test_a_missing_function_means_schema_not_deployed(conn: asyncpg.Connection) -> None:
    error = await raised(conn, "SELECT animus.no_such_function()")
    assert isinstance(error, errors.SchemaNotDeployed)


async def test_a_missing_privilege_is_permission_denied(conn: asyncpg.Connection) -> None:
    transaction = conn.transaction()
    await transaction.start()
    try:
        await conn.execute("CREATE ROLE animus_test_nobody_errors NOLOGIN")
        await conn.execute("SET LOCAL ROLE animus_test_nobody_errors")
        error = await raised(conn, "SELECT animus.embedding_dim()")
    finally:
        await transaction.rollback()  # the role goes away with the transaction
    assert isinstance(error, errors.PermissionDenied)
    assert error.sqlstate == "42501"


@pytest.mark.unit
def test_invalid_inputs_share_a_base_class() -> None:
    for name in ("InvalidQueueName", "InvalidParams", "UnknownFilterKey", "InvalidEmbedding"):
        assert issubclass(getattr(errors, name), errors.InvalidInput)
    assert issubclass(errors.UnknownQueue, errors.NotFound)
    assert issubclass(errors.UnknownWorkItem, errors.NotFound)

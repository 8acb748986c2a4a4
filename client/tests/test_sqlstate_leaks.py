"""Raw PostgreSQL SQLSTATEs that leaked through animus functions (issue 25): each is now an
animus error, AN008, with a message that says what was wrong."""

from __future__ import annotations

import asyncpg
import pytest

from animus.errors import InvalidArgument, error_class


async def _sqlstate(url: str, sql: str, *args: object) -> str | None:
    conn = await asyncpg.connect(url)
    try:
        with pytest.raises(asyncpg.PostgresError) as raised:
            await conn.fetch(sql, *args)
    finally:
        await conn.close()
    return raised.value.sqlstate


async def test_bind_scope_with_a_10_mb_role_name(database_url: str) -> None:
    # A bound parameter: as a name it failed to convert (42622, identifier too long) before
    # bind_scope ran.
    name = "r" * (10 * 1024 * 1024)
    sql = "SELECT animus.bind_scope($1, $2)"
    assert await _sqlstate(database_url, sql, name, "acme") == "AN008"
    assert await _sqlstate(database_url, "SELECT animus.unbind_scope($1)", name) == "AN008"


@pytest.mark.parametrize("window", ["infinity", "-infinity", "soon", "100000000 years"])
async def test_purge_with_a_window_that_is_no_finite_interval(
    database_url: str, window: str
) -> None:
    # 'infinity' is no interval on PostgreSQL 15 (22007 before purge ran); 100 million years
    # before now is no timestamp (22008).
    sqlstate = await _sqlstate(database_url, f"SELECT * FROM animus.purge('{window}')")
    assert sqlstate == "AN008"
    assert error_class(sqlstate) is InvalidArgument

"""Db: connecting, codecs, ownership of pools and connections, and the health check."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest

from animus import REQUIRED_CHANGES, Config, Db, OpenAIEmbedder, init_connection, sql
from animus.errors import (
    AnimusError,
    ConnectionError,
    EmbeddingDimensionMismatch,
    SchemaNotDeployed,
    SchemaOutdated,
)
from animus.models import HybridMatch, MemoryMatch, SubmitResult, WorkItem

from . import _db

ROOT = Path(__file__).resolve().parents[2]


def embedder_of(dimensions: int) -> OpenAIEmbedder:
    # A real embedder whose dimension differs; connect never calls it.
    return OpenAIEmbedder("text-embedding-3-small", dimensions, api_key="unused")


async def test_connect_with_a_url_checks_and_closes_its_pool(database_url: str) -> None:
    db = await Db.connect(database_url, embedder=embedder_of(384))
    assert await db.embedding_dim() == 384
    pool = db.pool
    assert pool is not None and not pool.is_closing()
    await db.close()
    assert pool.is_closing()


async def test_connect_with_a_config_and_as_context_manager(database_url: str) -> None:
    config = Config(database_url=database_url, pool_min_size=1, pool_max_size=2)
    async with await Db.connect(config) as db:
        pool = db.pool
        assert pool is not None and pool.get_max_size() == 2
        assert await db.embedding_dim() == 384
    assert pool.is_closing()


async def test_a_callers_pool_stays_open(database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2, init=init_connection)
    try:
        async with await Db.connect(pool=pool) as db:
            assert db.pool is pool
        assert not pool.is_closing()
        assert await pool.fetchval("SELECT '{\"a\": 1}'::jsonb") == {"a": 1}
    finally:
        await pool.close()


async def test_a_callers_pool_without_the_codecs_is_refused_clearly(database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        with pytest.raises(AnimusError) as caught:
            await Db.connect(pool=pool)
        assert "init=animus.init_connection" in str(caught.value)
        assert not pool.is_closing(), "the caller's pool must stay open even on failure"
    finally:
        await pool.close()


async def test_a_callers_connection_gets_the_codecs_and_stays_open(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        async with await Db.connect(connection=conn) as db:
            assert db.pool is None
            assert await db.embedding_dim() == 384
        assert not conn.is_closed()
        assert await conn.fetchval("SELECT '[1,2]'::jsonb") == [1, 2]
        vector = await conn.fetchval("SELECT '[1,2,3]'::public.vector")
        assert vector.to_list() == [1.0, 2.0, 3.0]
    finally:
        await conn.close()


async def test_exactly_one_target() -> None:
    with pytest.raises(TypeError):
        await Db.connect()
    with pytest.raises(TypeError):
        await Db.connect("postgresql://x/y", connection=object())  # type: ignore[arg-type]


async def test_schema_not_deployed(server_url: str) -> None:
    with _db.fresh_database(server_url, embedding_dim=None) as url:
        with pytest.raises(SchemaNotDeployed) as caught:
            await Db.connect(url)
    assert "sqitch deploy" in str(caught.value)


async def test_a_database_behind_the_client_names_the_missing_changes(server_url: str) -> None:
    with _db.fresh_database(server_url, embedding_dim=384) as url:
        # A reworked change depends on its own v0.1.0 row: drop those dependency rows first,
        # or the delete trips over them depending on the order the rows are deleted in.
        gone = (
            "SELECT change_id FROM sqitch.changes WHERE project = 'animus' "
            "AND change IN ('function_hybrid_search', 'function_cancel_work')"
        )
        _db.psql(url, f"DELETE FROM sqitch.dependencies WHERE dependency_id IN ({gone})")
        _db.psql(url, f"DELETE FROM sqitch.changes WHERE change_id IN ({gone})")
        with pytest.raises(SchemaOutdated) as caught:
            await Db.connect(url)
    message = str(caught.value)
    assert "function_hybrid_search" in message and "function_cancel_work" in message
    assert "function_read_work" not in message
    assert "sqitch deploy" in message


async def test_embedding_dimension_mismatch_names_both_numbers(database_url: str) -> None:
    with pytest.raises(EmbeddingDimensionMismatch) as caught:
        await Db.connect(database_url, embedder=embedder_of(1536))
    assert (caught.value.expected, caught.value.actual) == (384, 1536)
    assert "384" in str(caught.value) and "1536" in str(caught.value)
    assert "set_embedding_dim(1536)" in str(caught.value)


async def test_unreachable_server_is_a_connection_error() -> None:
    with pytest.raises(ConnectionError) as caught:
        await Db.connect("postgresql://nobody:secret-pw@127.0.0.1:9/animus")
    assert isinstance(caught.value.__cause__, OSError)
    assert "secret-pw" not in str(caught.value)


def test_every_required_change_is_in_the_plan_at_its_newest_version() -> None:
    # A rework adds the change's name to the plan once more; the client must then require that
    # newest version, or it would accept a database still running the old function.
    plan = (ROOT / "sqitch.plan").read_text()
    planned = Counter(re.findall(r"^([A-Za-z0-9_]+) ", plan, flags=re.MULTILINE))
    wrong = {c: (n, planned[c]) for c, n in REQUIRED_CHANGES.items() if planned[c] != n}
    assert not wrong, f"REQUIRED_CHANGES (required, planned) differ from sqitch.plan: {wrong}"


async def test_connect_refuses_a_database_at_an_older_release(server_url: str) -> None:
    with _db.fresh_database(server_url, embedding_dim=None) as url:
        # Without verify: the test is about the client, and script/test verifies deploys.
        _db.sqitch(url, "deploy", "--no-verify", "--set", "embedding_dim=3", "--to", "@v0.1.0")
        with pytest.raises(SchemaOutdated) as caught:
            await Db.connect(url)
        assert "function_create_queue" in str(caught.value)
        assert "sqitch deploy" in (caught.value.hint or "")
        _db.sqitch(url, "deploy", "--no-verify", "--set", "embedding_dim=3")
        async with await Db.connect(url) as db:
            assert await db.embedding_dim() == 3


def statements() -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, value in vars(sql).items()
        if name.isupper() and isinstance(value, str) and "SELECT" in value
    ]


@pytest.mark.parametrize(("name", "statement"), statements())
async def test_every_statement_prepares_against_the_deployed_schema(
    database_url: str, name: str, statement: str
) -> None:
    # PREPARE resolves every function, named argument and cast without running anything.
    conn = await asyncpg.connect(database_url)
    if "cron.job" in statement:
        # pg_cron's tables exist only in cron.database_name (the cluster's animus database),
        # where the CLI runs such a statement.
        cron_db = await conn.fetchval("SELECT current_setting('cron.database_name', true)")
        await conn.close()
        if not cron_db:
            pytest.skip("this cluster does not preload pg_cron")
        conn = await asyncpg.connect(urlsplit(database_url)._replace(path=f"/{cron_db}").geturl())
    try:
        await init_connection(conn)
        await conn.prepare(statement)
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("type_name", "model"),
    [
        ("submit_result", SubmitResult),
        ("work_delivery", WorkItem),
        ("memory_match", MemoryMatch),
        ("hybrid_match", HybridMatch),
    ],
)
async def test_models_mirror_the_composite_types(
    database_url: str, type_name: str, model: Any
) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        columns = await conn.fetch(
            """SELECT a.attname
               FROM pg_attribute a
               WHERE a.attrelid = (SELECT t.typrelid FROM pg_type t
                                   WHERE t.oid = to_regtype('animus.' || $1))
                 AND a.attnum > 0 AND NOT a.attisdropped
               ORDER BY a.attnum""",
            type_name,
        )
    finally:
        await conn.close()
    assert columns, f"animus.{type_name} is not deployed"
    assert [c["attname"] for c in columns] == list(model.model_fields)


@pytest.mark.parametrize("name", list(sql.HYBRID_TUNING))
async def test_each_hybrid_tuning_argument_prepares(database_url: str, name: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await init_connection(conn)
        await conn.prepare(sql.hybrid_search_tuned((name,)))
        await conn.prepare(sql.hybrid_search_tuned(tuple(sql.HYBRID_TUNING)))
    finally:
        await conn.close()
    with pytest.raises(ValueError, match="unknown hybrid_search arguments"):
        sql.hybrid_search_tuned(("weights",))

"""Issue 14's hostile callers, against the session database (embedding_dim 384) with real
concurrent connections: deadlock-free batch stores, and a hypothesis suite over filters,
vectors, numbers and text, through plain SQL and through the client, that may only ever see
documented AN codes and never a half-written batch."""

from __future__ import annotations

import asyncio
import json
import math
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar

import asyncpg
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pgvector.asyncpg import register_vector

from animus import Db
from animus.errors import AnimusError

#: The AN codes the memory functions document (docs/errors.md).
MEMORY_CODES = {"AN006", "AN007", "AN008", "AN010", "AN011", "AN012", "AN013", "AN014"}
DIM = 384
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Each hypothesis example on its own loop: the suite's tests are synchronous."""
    return asyncio.run(coro)


async def _connect(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await register_vector(conn)
    return conn


def unit(seed: int) -> list[float]:
    v = np.random.default_rng(seed).normal(size=DIM)
    return [float(x) for x in v / np.linalg.norm(v)]


# --- deadlocks ----------------------------------------------------------------------------------
async def test_opposite_order_batches_do_not_deadlock(database_url: str) -> None:
    """v0.1.0 stored a batch item by item, so two callers with the same two contents in
    opposite orders locked the rows in opposite orders (16 deadlocks in 94 calls)."""
    a, b = await _connect(database_url), await _connect(database_url)
    try:
        for round_no in range(40):
            memory_type = f"dl_{uuid.uuid4().hex[:8]}"
            items = [
                {"content": f"first {round_no}", "memory_type": memory_type, "embedding": unit(1)},
                {"content": f"second {round_no}", "memory_type": memory_type, "embedding": unit(2)},
            ]

            async def store(conn: asyncpg.Connection, batch: list[dict[str, Any]]) -> list[int]:
                # A transaction that holds its locks a moment, as an agent's would.
                async with conn.transaction():
                    ids = [
                        r[0]
                        for r in await conn.fetch(
                            "SELECT * FROM animus.store_memories($1::jsonb)", json.dumps(batch)
                        )
                    ]
                    await conn.execute("SELECT pg_sleep(0.01)")
                    return ids

            forward, backward = await asyncio.gather(
                store(a, items), store(b, items[::-1]), return_exceptions=True
            )
            assert not isinstance(forward, BaseException), forward
            assert not isinstance(backward, BaseException), backward
            assert forward == backward[::-1], "both callers converge on the same two rows"
    finally:
        await a.close()
        await b.close()


# --- hypothesis: plain SQL ----------------------------------------------------------------------
# PostgreSQL text cannot hold NUL: the driver's parameter fails before any function runs.
pg_chars = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(pg_chars, max_size=20),
)
filter_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(pg_chars, max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
filters_strategy = st.one_of(
    st.dictionaries(
        st.sampled_from(
            ["memory_type", "source", "metadata", "created_after", "created_before", "scope", "x"]
        ),
        st.one_of(
            filter_values,
            st.sampled_from(
                [
                    "2026-01-01T00:00:00Z",
                    "-infinity",
                    "infinity",
                    "2026-01-01 Mars/Olympus",
                    "294277-01-01",
                    "yesterday",
                    "epoch",
                ]
            ),
        ),
        max_size=4,
    ),
    filter_values,
)
components = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from([0.0, 1e-30, 1e-45, 3e38, -3e38, 1e15, 1e20]),
)
vectors = st.one_of(
    st.builds(lambda x: [x] * DIM, components),
    st.lists(components, min_size=DIM, max_size=DIM),
    st.lists(components, min_size=0, max_size=5),
)
texts = st.one_of(
    st.text(pg_chars, max_size=200),
    st.builds(
        lambda w, n: " ".join([w] * n),
        st.text(pg_chars, min_size=1, max_size=12),
        st.integers(1, 30000),
    ),
)
numbers = st.one_of(st.integers(-(2**31), 2**31 - 1), st.none())
weights = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none())

sql_settings = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))


def _allowed(exc: BaseException) -> bool:
    code = getattr(exc, "sqlstate", None)
    return code in MEMORY_CODES


@sql_settings
@given(
    text=texts,
    vector=vectors,
    filters=filters_strategy,
    match_count=numbers,
    rrf_k=numbers,
    vector_weight=weights,
    keyword_weight=weights,
    fusion=st.sampled_from(["convex", "rrf", "max"]),
    ranking=st.sampled_from(["bm25", "or_rank_cd", "and_rank", "and_rank_cd", "zzz"]),
)
def test_search_through_sql_raises_only_an_codes(
    database_url: str,
    text: str,
    vector: list[float],
    filters: Any,
    match_count: int | None,
    rrf_k: int | None,
    vector_weight: float | None,
    keyword_weight: float | None,
    fusion: str,
    ranking: str,
) -> None:
    async def go() -> None:
        conn = await _connect(database_url)
        try:
            literal = "[" + ",".join(repr(x) for x in vector) + "]" if vector else None
            calls = [
                (
                    "SELECT count(*) FROM animus.keyword_search($1, $2, $3::jsonb, $4)",
                    (text, match_count, json.dumps(filters), ranking),
                ),
                (
                    "SELECT count(*) FROM animus.search_memory("
                    "$1::text::public.vector, $2, $3::jsonb)",
                    (literal, match_count, json.dumps(filters)),
                ),
                (
                    "SELECT count(*) FROM animus.hybrid_search($1, $2::text::public.vector, "
                    "$3, $4::jsonb, rrf_k => $5, vector_weight => $6, keyword_weight => $7, "
                    "keyword_ranking => $8, fusion => $9)",
                    (
                        text,
                        literal,
                        match_count,
                        json.dumps(filters),
                        rrf_k,
                        vector_weight,
                        keyword_weight,
                        ranking,
                        fusion,
                    ),
                ),
            ]
            for query, args in calls:
                try:
                    await conn.fetchval(query, *args)
                except asyncpg.PostgresError as exc:
                    # The caller's own cast of a bad literal fails before any animus function.
                    if exc.sqlstate in {"22P02", "22003", "22000", "54000"} and "vector" in str(
                        exc
                    ):
                        continue
                    assert _allowed(exc), f"{exc.sqlstate}: {exc}"
        finally:
            await conn.close()

    run(go())


@sql_settings
@given(
    contents=st.lists(texts, min_size=1, max_size=4),
    vector=vectors,
    metadata=st.one_of(filter_values, st.dictionaries(st.text(pg_chars, max_size=5), json_scalars)),
    source=st.one_of(st.none(), st.text(pg_chars, max_size=10), st.integers()),
)
def test_store_through_sql_is_all_or_nothing(
    database_url: str, contents: list[str], vector: list[float], metadata: Any, source: Any
) -> None:
    memory_type = f"hyp_{uuid.uuid4().hex[:8]}"
    items = [
        {
            "content": c,
            "memory_type": memory_type,
            "embedding": vector if i == len(contents) - 1 else unit(i),
            "metadata": metadata,
            "source": source,
        }
        for i, c in enumerate(contents)
    ]

    async def go() -> None:
        conn = await _connect(database_url)
        try:
            try:
                payload = json.dumps(items)
            except ValueError:
                return
            try:
                ids = [
                    r[0]
                    for r in await conn.fetch(
                        "SELECT * FROM animus.store_memories($1::jsonb)", payload
                    )
                ]
            except asyncpg.PostgresError as exc:
                assert _allowed(exc), f"{exc.sqlstate}: {exc}"
                stored = await conn.fetchval(
                    "SELECT count(*) FROM animus.memories WHERE memory_type = $1", memory_type
                )
                assert stored == 0, "a refused batch wrote nothing"
                return
            assert len(ids) == len(items)
            stored = await conn.fetchval(
                "SELECT count(*) FROM animus.memories WHERE memory_type = $1", memory_type
            )
            assert stored == len(set(ids))
            # The lexeme statistics moved with the rows.
            drift = await conn.fetchval(
                """WITH fresh AS (SELECT l, count(*) AS n FROM animus.memories AS m,
                                  unnest(tsvector_to_array(m.search_text)) AS l
                                  WHERE m.memory_type = $1 GROUP BY l)
                   SELECT count(*) FROM fresh
                   WHERE (SELECT sum(s.documents) FROM animus.memory_lexeme_stats AS s
                          WHERE s.lexeme = fresh.l) < fresh.n""",
                memory_type,
            )
            assert drift == 0
        finally:
            await conn.close()

    run(go())


@sql_settings
@given(filters=filters_strategy, everything=st.one_of(st.booleans(), st.none()))
def test_forget_through_sql_never_reads_a_vacuous_filter_as_everything(
    database_url: str, filters: Any, everything: bool | None
) -> None:
    async def go() -> None:
        conn = await _connect(database_url)
        payload = json.dumps(filters)
        try:
            async with conn.transaction():  # everything below is rolled back
                await conn.execute(
                    "SELECT animus.store_memory('sentinel', 'hyp_sentinel', "
                    "$1::text::public.vector)",
                    "[" + ",".join(map(str, unit(9))) + "]",
                )
                before = await conn.fetchval("SELECT count(*) FROM animus.memories")
                try:
                    async with conn.transaction():  # a savepoint, so a refusal can be inspected
                        gone = await conn.fetchval(
                            'SELECT animus.forget_memories($1::jsonb, "all" => $2)',
                            payload,
                            everything,
                        )
                except asyncpg.PostgresError as exc:
                    assert _allowed(exc), f"{exc.sqlstate}: {exc}"
                    after = await conn.fetchval("SELECT count(*) FROM animus.memories")
                    assert after == before, "a refused forget deleted nothing"
                    raise _Rollback from exc
                if everything is not True:
                    # Success without "all" => true: the filter must narrow something.
                    # NOT (row IS NULL): some field filters. (row IS NOT NULL would ask for
                    # every field at once.)
                    narrows = await conn.fetchval(
                        "SELECT NOT (animus._parse_memory_filter($1::jsonb) IS NULL)", payload
                    )
                    assert narrows, f"forgot {gone} of {before} with the vacuous filter {filters}"
                raise _Rollback
        except _Rollback:
            pass
        finally:
            await conn.close()

    run(go())


class _Rollback(Exception):
    pass


# --- hypothesis: the client ---------------------------------------------------------------------
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    text=texts,
    vector=st.one_of(
        vectors,
        st.lists(st.floats(), min_size=DIM, max_size=DIM),
        st.just([1.0] * 16001),
        st.just([1e39] * DIM),
    ),
    filters=filters_strategy,
    limit=st.integers(-5, 2000),
    rrf_k=numbers,
    keyword_weight=weights,
)
def test_client_raises_only_documented_animus_errors(
    database_url: str,
    text: str,
    vector: list[float],
    filters: Any,
    limit: int,
    rrf_k: int | None,
    keyword_weight: float | None,
) -> None:
    async def go() -> None:
        db = await Db.connect(database_url)
        try:
            for call in (
                lambda: db.search_memory(
                    vector, limit, filters=filters if isinstance(filters, dict) else None
                ),
                lambda: db.hybrid_search(
                    text,
                    vector,
                    limit,
                    filters if isinstance(filters, dict) else None,
                    rrf_k=rrf_k,
                    keyword_weight=keyword_weight,
                    fusion="rrf",
                ),
            ):
                try:
                    await call()
                except AnimusError as exc:
                    assert exc.sqlstate in MEMORY_CODES, (
                        f"{type(exc).__name__} {exc.sqlstate}: {exc}"
                    )
        finally:
            await db.close()

    run(go())


@pytest.mark.parametrize(
    ("vector", "code"),
    [([1e39] * DIM, "AN013"), ([1.0] * 16_001, "AN012"), ([], "AN013")],
    ids=["beyond-float4", "over-16000-dims", "empty"],
)
async def test_client_maps_what_pgvector_input_refuses(
    database_url: str, vector: list[float], code: str
) -> None:
    """v0.1.0's client sent these and pgvector answered 22003, 54000 and 22000."""
    db = await Db.connect(database_url)
    try:
        with pytest.raises(AnimusError) as caught:
            await db.search_memory(vector)
        assert caught.value.sqlstate == code
        with pytest.raises(AnimusError) as caught:
            await db.hybrid_search("anything", vector)
        assert caught.value.sqlstate == code
    finally:
        await db.close()


def test_the_code_list_matches_the_docs() -> None:
    """Every code the suite accepts is documented (docs/errors.md lists it)."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text()
    assert all(f"`{code}`" in doc for code in MEMORY_CODES)
    assert not math.isnan(0.0)


pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

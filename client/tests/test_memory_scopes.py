"""Scopes: every memory call works in one scope, through the client and the CLI.

Each test uses scopes of its own (a uuid prefix), so the session database may hold others.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import asyncpg
import numpy as np
import pytest

from animus import Db, LocalEmbedder, NewMemory
from animus.errors import InvalidScope, ScopeNotAllowed
from animus.memory import DEFAULT_SCOPE

from .test_cli import animus, as_json, assert_one_line_error
from .test_roles import as_user


def _prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


async def test_a_scoped_view_keeps_two_agents_apart(db: Db) -> None:
    p = _prefix()
    acme, globex = db.scoped(f"{p}/acme"), db.scoped(f"{p}/globex")
    assert db.scope == DEFAULT_SCOPE and acme.scope == f"{p}/acme"
    kind = f"{p}_note"

    a_id = await acme.store_memory("The launch is on Friday.", kind)
    g_id = await globex.store_memory("The launch is on Friday.", kind)
    assert a_id != g_id, "the same content in two scopes is two memories"
    assert await acme.store_memory("The launch is on Friday.", kind) == a_id, "dedup per scope"
    (batch_id,) = await acme.store_memories(
        [NewMemory(content="Acme runs PostgreSQL 17.", memory_type=kind)]
    )

    hits = await acme.search_memory("when is the launch", 10, filters={"memory_type": kind})
    assert {h.id for h in hits} == {a_id, batch_id}
    hybrid = await globex.hybrid_search("launch Friday", limit=10, filters={"memory_type": kind})
    assert [h.id for h in hybrid] == [g_id]
    assert await db.search_memory("launch", 10, filters={"memory_type": kind}) == [], (
        "the default scope sees neither"
    )
    # an explicit scope= wins over the view's
    assert [h.id for h in await db.search_memory("launch", 10, scope=f"{p}/globex")] == [g_id]

    got = await acme.get_memory(a_id)
    assert got is not None and got.scope == f"{p}/acme"
    assert await globex.get_memory(a_id) is None, "another scope's id reads as none"
    assert await db.get_memory(a_id) is None
    assert await globex.update_memory(a_id, metadata={"x": 1}) is False
    assert await globex.forget_memory(a_id) is False
    assert await acme.get_memory(a_id) is not None, "untouched by the other scope"

    assert len(await acme.store_document("notes/readme.md", "# Readme\n\nAcme's readme.")) == 1
    assert len(await globex.store_document("notes/readme.md", "# Readme\n\nGlobex's.")) == 1
    assert await globex.forget_document("notes/readme.md") == 1
    assert await acme.forget_document("notes/readme.md") == 1, "the key is per scope"

    assert await acme.forget_memories({}, all=True) == 2, "all=True forgets the scope only"
    assert await globex.get_memory(g_id) is not None
    assert await globex.forget_memories({"memory_type": kind}) == 1


async def test_a_bad_scope_is_refused_before_anything_is_written(db: Db) -> None:
    kind = f"{_prefix()}_bad"
    for scope in ("", "has space", "x" * 256, "ümlaut", "a;b"):
        with pytest.raises(InvalidScope) as caught:
            await db.store_memory("never stored", kind, scope=scope)
        assert caught.value.sqlstate == "AN026"
    with pytest.raises(InvalidScope):
        await db.scoped("two words").search_memory([1.0] * 384, 5)
    assert await db.forget_memories({"memory_type": kind}) == 0


async def test_a_small_scope_among_a_hundred_gets_full_pages(db: Db, database_url: str) -> None:
    # 100 scopes over 4,000 rows: one holds 1% (40 rows), one 0.2% (8); the rest share the
    # remainder. Random directions, so the small scopes' nearest rows in the shared HNSW graph
    # are nearly all other scopes'. Written directly (the embedder is not under test here).
    p = _prefix()
    rng = np.random.default_rng(3)
    scopes = [f"{p}/one-percent"] * 40 + [f"{p}/tiny"] * 8
    scopes += [f"{p}/s{k:02d}" for k in range(98) for _ in range((4000 - 48) // 98)]
    vectors = rng.normal(size=(len(scopes), 384)).astype(np.float32)
    rows = [
        (scope, f"row {i} of {scope}", json.dumps(vec.tolist()))
        for i, (scope, vec) in enumerate(zip(scopes, vectors, strict=True))
    ]
    conn = await asyncpg.connect(database_url)
    try:
        await conn.executemany(
            "INSERT INTO animus.memories (scope, content, memory_type, embedding, content_hash) "
            "VALUES ($1, $2, 'pagefill', $3::text::public.vector, sha256(convert_to($2, 'UTF8')))",
            rows,
        )
        await conn.execute("ANALYZE animus.memories")
        small = db.scoped(f"{p}/one-percent")
        for query in rng.normal(size=(5, 384)).astype(np.float32):
            q = query.tolist()
            page = await small.search_memory(q, 25)
            assert len(page) == 25, "a full page"
            ids = [m.id for m in page]
            in_scope = await conn.fetchval(
                "SELECT count(*) FROM animus.memories WHERE id = ANY($1) AND scope = $2",
                ids,
                f"{p}/one-percent",
            )
            assert in_scope == 25, "every row from the scope"
            exact = await conn.fetch(
                "SELECT id FROM animus.memories WHERE scope = $1 "
                "ORDER BY embedding OPERATOR(public.<=>) $2::text::public.vector LIMIT 25",
                f"{p}/one-percent",
                json.dumps(q),
            )
            assert ids == [r["id"] for r in exact], "the scope's nearest rows, in order"
            hybrid = await small.hybrid_search("row", q, limit=25)
            assert len(hybrid) == 25
            tiny = await db.search_memory(q, 10, scope=f"{p}/tiny")
            assert len(tiny) == 8, "every row of a scope smaller than the page"
    finally:
        await conn.execute("DELETE FROM animus.memories WHERE scope LIKE $1", f"{p}/%")
        await conn.close()


def test_cli_scope_option_and_environment(database_url: str) -> None:
    p = _prefix()
    kind = f"{p}_cli"
    stored = as_json("memory", "add", "Globex deploys on Tuesdays.", "--type", kind,
                     "--scope", f"{p}/globex", url=database_url)  # fmt: skip
    hits = as_json("memory", "search", "deploy day", "--type", kind, "--scope", f"{p}/globex",
                   url=database_url)  # fmt: skip
    assert [h["id"] for h in hits] == [stored["id"]]
    assert as_json("memory", "search", "deploy day", "--type", kind, url=database_url) == []
    env = {"ANIMUS_SCOPE": f"{p}/globex"}
    via_env = as_json("memory", "hybrid", "deploy", "--type", kind, url=database_url, env=env)
    assert [h["id"] for h in via_env] == [stored["id"]]
    got = as_json("memory", "get", str(stored["id"]), url=database_url, env=env)
    assert got["scope"] == f"{p}/globex"
    assert animus("memory", "get", str(stored["id"]), url=database_url).returncode == 3, (
        "not found from the default scope"
    )
    stats = as_json("memory", "stats", url=database_url, env=env)
    assert [(r["scope"], r["memory_type"], r["memories"]) for r in stats] == [
        (f"{p}/globex", kind, 1)
    ]
    bad = animus("memory", "search", "x", "--scope", "no spaces", url=database_url)
    assert_one_line_error(bad, 2, "scope 'no spaces'")
    forgotten = as_json("memory", "forget", "--all", url=database_url, env=env)
    assert forgotten["forgotten"] == 1


async def test_an_agent_role_bound_to_its_scope_cannot_leave_it(
    database_url: str, local_embedder: LocalEmbedder
) -> None:
    """The recipe of docs/memory.md: a login role per tenant's agent, bound by an operator."""
    p = _prefix()
    role, password = f"agent_{p}", uuid.uuid4().hex
    admin = await asyncpg.connect(database_url)
    await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE animus_app")
    try:
        assert await admin.fetchval("SELECT animus.bind_scope($1, $2)", role, f"{p}/acme")
        other = await admin.fetchval(
            "SELECT animus.store_memory('Globex plans a merger.', 'secret', $1::public.vector, "
            "scope => $2)",
            json.dumps((await local_embedder.embed(["Globex plans a merger."]))[0]),
            f"{p}/globex",
        )
        agent = await Db.connect(as_user(database_url, role, password), embedder=local_embedder)
        try:
            acme = agent.scoped(f"{p}/acme")
            mine = await acme.store_memory("Acme plans a launch.", "secret")
            assert [h.id for h in await acme.search_memory("plans", 5)] == [mine]
            with pytest.raises(ScopeNotAllowed) as caught:
                await agent.search_memory("plans", 5, scope=f"{p}/globex")
            assert caught.value.sqlstate == "AN027"
            with pytest.raises(ScopeNotAllowed):
                await agent.get_memory(other, scope=f"{p}/globex")
            with pytest.raises(ScopeNotAllowed):
                await agent.store_memory("planted", "secret")  # the default scope
        finally:
            await agent.close()
    finally:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role
        )
        await admin.execute("SELECT animus.unbind_scope($1)", role)
        await admin.execute("DELETE FROM animus.memories WHERE scope LIKE $1", f"{p}/%")
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()


def test_cli_import_into_a_scope(database_url: str, tmp_path: Path) -> None:
    p = _prefix()
    (tmp_path / "runbook.md").write_text("# Runbook\n\nThe vault key is with the on-call lead.\n")
    done = as_json("memory", "import", str(tmp_path), "--scope", f"{p}/acme", url=database_url)
    assert done["imported"] == 1 and done["documents"] == 1
    hits = as_json("memory", "search", "who has the vault key", "--scope", f"{p}/acme",
                   url=database_url)  # fmt: skip
    assert [h["id"] for h in hits] == done["ids"]
    other = as_json("memory", "search", "vault key", "--scope", f"{p}/globex", url=database_url)
    assert other == []
    key = str(tmp_path / "runbook.md")
    forgot = as_json("memory", "forget", "--key", key, "--scope", f"{p}/acme", url=database_url)
    assert forgot["forgotten"] == 1

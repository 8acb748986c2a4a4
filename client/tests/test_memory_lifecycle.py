"""get, update, forget and upsert by key: through the client and the CLI, on the real database."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from animus import Db, Memory
from animus.errors import ContentNeedsEmbedding, DuplicateContent, InvalidArgument

from .test_cli import animus, as_json


def _kind() -> str:
    return f"life_{uuid.uuid4().hex[:10]}"


async def test_get_update_forget(db: Db, database_url: str) -> None:
    kind = _kind()
    memory_id = await db.store_memory(
        "The backup runs at 02:00 on ledgerd.", kind, source="ops", metadata={"a": 1}
    )
    got = await db.get_memory(memory_id)
    assert isinstance(got, Memory)
    assert (got.content, got.memory_type, got.source, got.metadata) == (
        "The backup runs at 02:00 on ledgerd.", kind, "ops", {"a": 1},
    )  # fmt: skip
    assert got.key is None and got.chunk_index == 0
    assert await db.get_memory(-1) is None

    assert await db.update_memory(memory_id, content="The backup runs at 03:30 on ledgerd.")
    after = await db.get_memory(memory_id)
    assert after is not None
    assert after.content == "The backup runs at 03:30 on ledgerd."
    assert after.metadata == {"a": 1}, "metadata kept when not given"
    assert after.updated_at > got.updated_at and after.created_at == got.created_at
    conn = await asyncpg.connect(database_url)
    try:
        # The client re-embedded: the stored vector is the new content's.
        cosine = await conn.fetchval(
            "SELECT 1 - (embedding <=> $1::text::public.vector) FROM animus.memories WHERE id = $2",
            str((await db.embedder.embed([after.content]))[0]),  # type: ignore[union-attr]
            memory_id,
        )
        assert cosine > 0.999
        # The keyword leg follows the new text: 03:30 is found, 02:00 no longer.
        new = await conn.fetch(
            "SELECT id FROM animus.keyword_search('03:30 ledgerd', 5, $1::text::jsonb)",
            f'{{"memory_type": "{kind}"}}',
        )
        old = await conn.fetch(
            "SELECT id FROM animus.keyword_search('02:00', 5, $1::text::jsonb)",
            f'{{"memory_type": "{kind}"}}',
        )
    finally:
        await conn.close()
    assert [r["id"] for r in new] == [memory_id] and old == []

    assert await db.update_memory(memory_id, metadata={"b": 2})
    assert (await db.get_memory(memory_id)).metadata == {"b": 2}  # type: ignore[union-attr]
    assert not await db.update_memory(-1, metadata={})

    other = await db.store_memory("Another note.", kind)
    with pytest.raises(DuplicateContent):
        await db.update_memory(other, content="The backup runs at 03:30 on ledgerd.")

    assert await db.forget_memory(memory_id)
    assert not await db.forget_memory(memory_id)
    assert await db.get_memory(memory_id) is None
    with pytest.raises(InvalidArgument):
        await db.forget_memories({})
    assert await db.forget_memories({"memory_type": kind}) == 1


async def test_update_without_embedding_is_refused_in_sql(db: Db, database_url: str) -> None:
    memory_id = await db.store_memory("A note to edit.", _kind())
    conn = await asyncpg.connect(database_url)
    try:
        with pytest.raises(asyncpg.PostgresError) as info:
            await conn.execute("SELECT animus.update_memory($1, 'Edited.')", memory_id)
        assert info.value.sqlstate == "AN020"
    finally:
        await conn.close()
    assert (await db.get_memory(memory_id)).content == "A note to edit."  # type: ignore[union-attr]
    assert issubclass(ContentNeedsEmbedding, Exception)


async def test_storing_a_key_again_replaces_the_memory(db: Db) -> None:
    """The measured defect: an edited file imported again added a second row, and the stale
    copy outranked the new one. With a key the new text replaces the old, id kept."""
    kind = _kind()
    key = f"notes/{uuid.uuid4().hex}.md"
    old = "The standup is at 9:15 in room Orion."
    new = "The standup moved to 10:00 in room Vega."
    first = await db.store_memory(old, kind, key=key)
    second = await db.store_memory(new, kind, key=key)
    assert first == second
    hits = await db.search_memory(old, 10, filters={"memory_type": kind})
    assert [h.content for h in hits] == [new], "only the new copy is left"
    got = await db.get_memory(first)
    assert got is not None and got.key == key and got.metadata["document"] == key

    # Keyed memories are never merged by content; unkeyed ones still are, per memory_type.
    twin = await db.store_memory(new, kind, key=key + ".copy")
    assert twin != first
    unkeyed = await db.store_memory(new, kind)
    assert unkeyed not in (first, twin)
    assert await db.store_memory(new, kind) == unkeyed

    assert await db.forget_document(key) == 1
    assert await db.get_memory(first) is None


def test_cli_get_update_forget(database_url: str) -> None:
    kind = _kind()
    stored = as_json("memory", "add", "Amara prefers written feedback.", "--type", kind,
                     "--key", f"msg-{kind}", url=database_url)  # fmt: skip
    memory_id = stored["id"]
    got = as_json("memory", "get", str(memory_id), url=database_url)
    assert got["content"] == "Amara prefers written feedback." and got["key"] == f"msg-{kind}"
    upd = as_json("memory", "update", str(memory_id), "--content", "Amara prefers calls.",
                  url=database_url)  # fmt: skip
    assert upd["updated"] is True
    assert as_json("memory", "get", str(memory_id), url=database_url)["content"] == (
        "Amara prefers calls."
    )
    assert animus("memory", "get", "-5", url=database_url).returncode == 3
    assert animus("memory", "update", str(memory_id), url=database_url).returncode == 2

    as_json("memory", "add", "Second note.", "--type", kind, url=database_url)
    vacuous = animus("memory", "forget", url=database_url)
    assert vacuous.returncode == 2, "no id, key, filter or --all"
    both = animus("memory", "forget", str(memory_id), "--all", url=database_url)
    assert both.returncode == 2
    one = as_json("memory", "forget", str(memory_id), url=database_url)
    assert one["forgotten"] == 1
    assert animus("memory", "forget", str(memory_id), url=database_url).returncode == 3
    rest = as_json("memory", "forget", "--type", kind, url=database_url)
    assert rest["forgotten"] == 1

"""Single and batch submit refuse the same bad input with the same SQLSTATE, rule by rule.

Each case is one submission, sent once as ``submit_work``'s named arguments and once as the
only item of ``submit_work_batch``. Shape errors only a JSON item can have (a missing or
mistyped field, an unknown key: AN007) have no single-call twin and are not listed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    try:
        yield connection
    finally:
        await connection.close()


def cases(queue: str) -> list[tuple[str, dict[str, Any], str]]:
    ok = {"queue_name": queue, "work_type": "parity", "source": "test"}
    return [
        ("invalid queue name", {**ok, "queue_name": "Bad-Name"}, "AN001"),
        ("unknown queue", {**ok, "queue_name": f"nope_{uuid.uuid4().hex[:8]}"}, "AN002"),
        ("unknown parent", {**ok, "parent_id": str(uuid.uuid4())}, "AN003"),
        ("params not an object", {**ok, "params": [1, 2]}, "AN005"),
        ("params over 1 MiB", {**ok, "params": {"x": "y" * 1_100_000}}, "AN006"),
        ("work_type over 4 KiB", {**ok, "work_type": "w" * 5000}, "AN006"),
        ("source over 4 KiB", {**ok, "source": "s" * 5000}, "AN006"),
        ("dedup_key over 4 KiB", {**ok, "dedup_key": "k" * 5000}, "AN006"),
        ("trigger_info over 4 KiB", {**ok, "trigger_info": "t" * 5000}, "AN006"),
        ("tracestate over 4 KiB", {**ok, "traceparent": TP, "tracestate": "x" * 5000}, "AN006"),
        ("empty work_type", {**ok, "work_type": ""}, "AN008"),
        ("empty source", {**ok, "source": ""}, "AN008"),
        ("max_attempts 0", {**ok, "max_attempts": 0}, "AN008"),
        ("negative delay", {**ok, "delay_seconds": -1}, "AN008"),
        ("malformed traceparent", {**ok, "traceparent": "00-xyz"}, "AN008"),
        (
            "all-zero trace id",
            {**ok, "traceparent": "00-" + "0" * 32 + "-b7ad6b7169203331-01"},
            "AN008",
        ),
    ]


SINGLE = (
    "SELECT * FROM animus.submit_work(queue_name => $1::text, work_type => $2::text, "
    "source => $3::text, params => $4::jsonb, dedup_key => $5::text, trigger_info => $6::text, "
    "parent_id => $7::uuid, max_attempts => $8::int, delay_seconds => $9::int, "
    "traceparent => $10::text, tracestate => $11::text)"
)


async def sqlstate(call: Any) -> str | None:
    try:
        await call
    except asyncpg.PostgresError as exc:
        return exc.sqlstate
    return None


async def test_single_and_batch_refuse_alike(conn: asyncpg.Connection) -> None:
    queue = f"parity_{uuid.uuid4().hex[:8]}"
    await conn.execute("SELECT animus.create_queue($1::text)", queue)
    got = []
    for name, item, want in cases(queue):
        single = await sqlstate(
            conn.fetchrow(
                SINGLE,
                item["queue_name"],
                item["work_type"],
                item["source"],
                json.dumps(item.get("params", {})),
                item.get("dedup_key"),
                item.get("trigger_info"),
                uuid.UUID(item["parent_id"]) if "parent_id" in item else None,
                item.get("max_attempts"),
                item.get("delay_seconds", 0),
                item.get("traceparent"),
                item.get("tracestate"),
            )
        )
        batch = await sqlstate(
            conn.fetch("SELECT * FROM animus.submit_work_batch($1::jsonb)", json.dumps([item]))
        )
        got.append((name, single, batch, want))
    assert [g for g in got if not (g[1] == g[2] == g[3])] == []
    written = await conn.fetchval(
        "SELECT count(*) FROM animus.work_items WHERE queue_name = $1", queue
    )
    assert written == 0

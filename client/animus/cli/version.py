"""``animus --version``: the client's version, its schema release, and the database's.

The client's release is the newest ``@vX.Y.Z`` tag of the ``sqitch.plan`` it carries, plus the
changes after it. The database's is read from Sqitch's registry: the newest deployed tag when
the registry is readable, else worked out from the deployed change names
(``animus.deployed_changes()``, which every animus role may call) against the client's plan.
No database (none given, or it does not answer within a few seconds) is said, not an error.
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import __version__, sql
from ..schema import Plan, Release, project_dir, read_plan
from ._connect import resolve_target
from ._errors import EXIT_OK
from ._output import Output

#: Seconds ``--version`` waits for the database before it says it cannot reach it.
CONNECT_TIMEOUT = 3.0


async def _database(url: str, plan: Plan | None) -> tuple[Release | None, list[str], str | None]:
    """(the deployed release, the deployed change names, a problem) of the database at url."""
    import asyncpg

    from ..errors import map_db_error

    try:
        conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return None, [], f"cannot connect: {map_db_error(exc).message}"
    try:
        if not await conn.fetchval(sql.DEPLOYED_CHANGES_PRESENT):
            return None, [], "the animus schema is not deployed there"
        names = [r["change"] for r in await conn.fetch(sql.DEPLOYED_CHANGES)]
        try:
            row = await conn.fetchrow(sql.DEPLOYED_RELEASE)
        except asyncpg.PostgresError:  # the role may not read Sqitch's registry
            row = None
    finally:
        await conn.close()
    if row is not None:
        tag = str(row["tag"]).lstrip("@")
        return Release(tag, len(names) - int(row["position"]), len(names)), names, None
    if plan is not None and tuple(names) == plan.changes[: len(names)]:
        return plan.release(len(names)), names, None
    return Release(None, len(names), len(names)), names, None


def _compare(plan: Plan, names: list[str]) -> tuple[str, str]:
    """(status, sentence): how the deployed changes relate to the client's plan."""
    ours, theirs = list(plan.changes), names
    if theirs == ours:
        return "same", "as this client"
    if theirs == ours[: len(theirs)]:
        k = len(ours) - len(theirs)
        return "behind", (
            f"OLDER than this client: {k} of its changes are not deployed "
            "(animus db deploy --url URL upgrades it)"
        )
    if ours == theirs[: len(ours)]:
        k = len(theirs) - len(ours)
        return "ahead", (
            f"NEWER than this client: {k} deployed changes are not in its plan "
            "(upgrade the animus package)"
        )
    return "differs", "DIFFERS from this client's plan (another branch or a hand-made schema)"


def report(args: argparse.Namespace, out: Output) -> int:
    """Print the versions; exit 0 whether or not a database answers."""
    directory = project_dir()
    plan = read_plan(directory / "sqitch.plan") if directory else None
    data: dict[str, Any] = {
        "client": __version__,
        "schema": plan.release().describe() if plan else None,
        "database": None,
        "status": "no database",
    }
    lines = [f"animus {__version__}"]
    if plan is not None:
        lines.append(f"schema:   {data['schema']} (the sqitch.plan this client carries)")
    try:
        target = resolve_target(args)
    except Exception as exc:  # no URL anywhere, or a malformed one
        lines.append(
            f"database: none ({getattr(exc, 'message', exc)}; pass --url or set "
            "DATABASE_URL to see its release)"
        )
        target = None
    if target is not None:
        import asyncio

        release, names, problem = asyncio.run(_database(target.url, plan))
        if problem is not None or release is None:
            data["status"] = "unreachable" if problem and "connect" in problem else "not deployed"
            lines.append(f"database: {problem} ({target.origin})")
        else:
            data["database"] = release.describe()
            status, sentence = _compare(plan, names) if plan else ("unknown", "")
            data["status"] = status
            lines.append(f"database: {release.describe()} deployed, {sentence} ({target.origin})")
    if out.as_json:
        out.line("", data)
    else:
        print("\n".join(lines), file=out.out)
    return EXIT_OK


__all__ = ["report"]

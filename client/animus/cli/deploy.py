"""``animus db deploy --url URL``: deploy the schema this client carries into any database.

The wheel carries the Sqitch project (``animus.schema``); this runs ``sqitch deploy`` on it,
so a ``pip install`` needs no checkout. The URL's parts go to Sqitch (and the ``psql`` it runs)
as libpq's variables (``PGHOST``, ``PGPASSWORD``...), so the password never appears on a
command line. Before Sqitch runs, the database is created when it is missing, and pg_cron's
extension is created where the server preloads it for this database (as ``script/db deploy``
does). The first deploy fixes the embedding dimension.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from .. import sql
from ..errors import AnimusError
from ..schema import project_dir, read_plan
from ._errors import EXIT_OK

if TYPE_CHECKING:
    import asyncpg

#: The dimension of a first deploy when neither --embedding-dim nor ANIMUS_EMBEDDING_DIM says:
#: the offline embedder's (all-MiniLM-L6-v2), the CLI's default.
DEFAULT_EMBEDDING_DIM = 384
#: The most dimensions the first deploy's scripts take (an HNSW index on vector); above it the
#: database is deployed at this and moved to halfvec with animus.set_embedding_dim.
MAX_FIRST_DEPLOY_DIM = 2000

#: libpq's URL query parameters -> its environment variables (the ones Sqitch's psql reads).
_LIBPQ_ENV = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}

SQITCH_HINT = (
    "install Sqitch with PostgreSQL support: apt-get install sqitch libdbd-pg-perl "
    "(Debian, Ubuntu), or use the sqitch/sqitch Docker image (https://sqitch.org/download/), "
    "then run this again"
)


class SqitchMissing(AnimusError):
    """``sqitch`` is not on PATH."""


class DeployFailed(AnimusError):
    """Sqitch exited non-zero (its own output says why)."""


def libpq_environment(url: str) -> dict[str, str]:
    """The libpq variables that say what ``url`` (a ``postgresql://`` URL) says."""
    parts = urlsplit(url)
    env: dict[str, str] = {}
    if parts.hostname:
        env["PGHOST"] = parts.hostname
    if parts.port:
        env["PGPORT"] = str(parts.port)
    if parts.username:
        env["PGUSER"] = unquote(parts.username)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    if parts.path.strip("/"):
        env["PGDATABASE"] = unquote(parts.path.strip("/"))
    for key, value in parse_qsl(parts.query):
        if key in _LIBPQ_ENV:
            env[_LIBPQ_ENV[key]] = value
    return env


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return parts._replace(path="/" + quote(name, safe="")).geturl()


async def _prepare(url: str, database: str) -> bool:
    """Create the database when missing and pg_cron's extension where it is preloaded for it;
    True when the animus schema is not deployed yet (a first deploy)."""
    import asyncpg

    from ..errors import map_db_error

    try:
        conn = await asyncpg.connect(url, timeout=10)
    except asyncpg.InvalidCatalogNameError:
        admin = await _connect_admin(url)
        try:
            await admin.execute(f'CREATE DATABASE "{database.replace(chr(34), chr(34) * 2)}"')
        finally:
            await admin.close()
        print(f"created database {database}", file=sys.stderr)
        conn = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise map_db_error(exc) from exc
    try:
        cron_here = await conn.fetchval(sql.PG_CRON_HERE)
        if cron_here:
            await conn.execute("SET client_min_messages = warning")
            await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_cron")
        return not await conn.fetchval(sql.SCHEMA_PRESENT)
    finally:
        await conn.close()


async def _connect_admin(url: str) -> asyncpg.Connection:
    import asyncpg

    from ..errors import map_db_error

    try:
        return await asyncpg.connect(_with_database(url, "postgres"), timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise map_db_error(exc) from exc


async def _set_dimension(url: str, dim: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute("SELECT animus.set_embedding_dim($1::integer)", dim)
    finally:
        await conn.close()


def embedding_dim(given: int | None) -> int:
    if given is not None:
        return given
    return int(os.environ.get("ANIMUS_EMBEDDING_DIM") or DEFAULT_EMBEDDING_DIM)


def deploy_url(url: str, origin: str, dim: int) -> int:
    """Deploy the carried Sqitch project into the database at ``url``; the exit code."""
    project = project_dir()
    if project is None:
        raise AnimusError(
            "this animus package carries no Sqitch project (animus/sqitch is missing)",
            hint="reinstall animus from its wheel, or run from an animus checkout",
        )
    sqitch = shutil.which("sqitch")
    if sqitch is None:
        raise SqitchMissing(
            f"sqitch is not installed (it deploys the schema in {project})", hint=SQITCH_HINT
        )
    database = libpq_environment(url).get("PGDATABASE") or os.environ.get("PGDATABASE")
    if not database:
        raise AnimusError(
            f"the URL from {origin} names no database",
            hint="end it with /DATABASE, e.g. postgresql://user@host:5432/animus",
        )
    fresh = asyncio.run(_prepare(url, database))
    first_dim = min(dim, MAX_FIRST_DEPLOY_DIM) if fresh else dim
    env = {**os.environ, **libpq_environment(url)}
    command = [
        sqitch,
        "deploy",
        "--target",
        "db:pg:" + quote(database, safe=""),
        "--set",
        f"embedding_dim={first_dim}",
    ]
    sys.stdout.flush()
    proc = subprocess.run(command, cwd=project, env=env, check=False)
    if proc.returncode != 0:
        raise DeployFailed(
            f"sqitch deploy failed (exit {proc.returncode}); its output is above",
            hint=f"the project it deployed is in {project}",
        )
    if fresh and first_dim != dim:
        asyncio.run(_set_dimension(url, dim))
    release = read_plan(Path(project) / "sqitch.plan").release().describe()
    where = "a new" if fresh else "the"
    print(
        f"deployed {release} into {where} database {database}"
        + (f" (embedding_dim {dim})" if fresh else ""),
        file=sys.stderr,
    )
    return EXIT_OK


__all__ = [
    "DEFAULT_EMBEDDING_DIM",
    "SQITCH_HINT",
    "DeployFailed",
    "SqitchMissing",
    "deploy_url",
    "embedding_dim",
    "libpq_environment",
]

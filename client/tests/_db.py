"""Throwaway databases for the tests: create, deploy with Sqitch, revert, drop.

The server comes from the first of these that is available:
  1. ``ANIMUS_TEST_DATABASE_URL``: any PostgreSQL with pgmq, vector and pgtap installed
     (a URL to a database the tests may ``CREATE DATABASE`` from);
  2. testcontainers, when a Docker engine answers (the image from ``docker/postgres``);
  3. the embedded cluster (``script/db``), started on demand.

The testcontainers branch (run for real by ``script/test-docker --pytest``, through podman's
Docker-compatible API) reads:
  ``ANIMUS_TEST_USE_DOCKER``: ``1`` (default) use an engine that answers, ``0`` never,
  ``require`` fail when none answers instead of falling back to the embedded cluster;
  ``ANIMUS_TEST_DOCKER_IMAGE``: an image already built from ``docker/postgres/Dockerfile``
  (default: build it from the checkout, on ``ANIMUS_POSTGRES_BASE`` if set, else on the
  Dockerfile's default base, and remove it afterwards);
  ``ANIMUS_TEST_DOCKER_PORT``: the host port to publish on 127.0.0.1 (default: a free one).
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import asyncpg
import pytest

if TYPE_CHECKING:
    from animus import Db

ROOT = Path(__file__).resolve().parents[2]


def with_database(url: str, dbname: str) -> str:
    """The same server URL, pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


def libpq_env(url: str) -> dict[str, str]:
    """libpq environment variables (for psql and sqitch) equivalent to a postgresql:// URL."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    env = dict(os.environ)
    host = query.get("host") or parts.hostname or ""
    if host:
        env["PGHOST"] = host
    port = query.get("port") or (str(parts.port) if parts.port else "")
    if port:
        env["PGPORT"] = port
    if parts.username:
        env["PGUSER"] = unquote(parts.username)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    env["PGDATABASE"] = parts.path.lstrip("/") or "postgres"
    return env


def psql(url: str, sql: str, timeout: float | None = None) -> str:
    out = subprocess.run(
        ["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
        env=libpq_env(url),
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return out.stdout.strip()


def sqitch(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run sqitch against the database in ``url``; raise with its output on failure."""
    env = libpq_env(url)
    target = f"db:pg:{env['PGDATABASE']}"
    cmd = ["sqitch", args[0], "--target", target, *args[1:]]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def deploy(url: str, embedding_dim: int, *, verify: bool = True) -> None:
    """``sqitch deploy`` at ``embedding_dim``; ``verify=False`` skips the verify script after
    each change (for a test that runs ``sqitch verify`` itself right after)."""
    sqitch(
        url,
        "deploy",
        *([] if verify else ["--no-verify"]),
        "--set",
        f"embedding_dim={embedding_dim}",
    )


def revert(url: str) -> None:
    sqitch(url, "revert", "-y")


def create_database(server_url: str, prefix: str = "animus_pytest") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    psql(server_url, f'CREATE DATABASE "{name}"')
    return with_database(server_url, name)


def drop_database(server_url: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    psql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(
    server_url: str, embedding_dim: int | None = 384, *, clone: bool = True
) -> Iterator[str]:
    """A new database on the server, deployed at ``embedding_dim`` (None: not deployed).

    By default the database is a clone of this run's template at that dimension
    (:func:`clone_database`): the same bytes a Sqitch deploy writes, in about half a second
    instead of a deploy's 10-45 s. ``clone=False`` deploys it with Sqitch instead, for a test
    that is about the deploy itself.
    """
    if embedding_dim is not None and clone:
        url = clone_database(server_url, embedding_dim)
    else:
        url = create_database(server_url)
    try:
        if embedding_dim is not None and not clone:
            deploy(url, embedding_dim)
        yield url
    finally:
        drop_database(server_url, url)


# --- templates ------------------------------------------------------------------------------
# One Sqitch deploy per embedding dimension per test run, into a template database; every
# deployed test database is a CREATE DATABASE ... TEMPLATE copy of it. The pytest-xdist workers
# of one run share the templates: they coordinate with advisory locks on the server (so it
# works for any server the tests reach), held by one psql session per process:
#   - the run lock, taken shared by each process that uses a template, until its session ends;
#     the last one to leave (the one that then gets it exclusively) drops the run's templates,
#     and a run whose lock nobody holds any more (killed) has its templates swept by the next;
#   - a build lock per template: one process deploys, the others wait and then clone.
# Advisory locks belong to the database the session is connected to: every process of a run
# connects to the same one (the server URL's).

TEMPLATE_PREFIX = "animus_tpl"
_LOCK_RUN = 0x616E7275  # the first key of the two-key advisory locks: "anru", "anbu"
_LOCK_BUILD = 0x616E6275
#: One id per test run, shared by the xdist workers of the run (xdist sets the variable).
RUN_ID = (os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex)[:10]


class _HeldSession:
    """A psql process kept open: the advisory locks it takes last until :meth:`close`."""

    def __init__(self, url: str) -> None:
        self.proc = subprocess.Popen(
            ["psql", "-X", "-At", "-q", "-v", "ON_ERROR_STOP=1"],
            env=libpq_env(url),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def one(self, sql: str) -> str:
        """Run one statement that returns one row of one column (or void); its text."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(sql.rstrip().rstrip(";") + ";\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"psql ended while running {sql!r}: {err}")
        return line.rstrip("\n")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _lock_key(kind: int, name: str) -> str:
    return f"{kind}, hashtext('{name}')"


def _template_name(run_id: str, embedding_dim: int) -> str:
    return f"{TEMPLATE_PREFIX}_{run_id}_{embedding_dim}"


_sessions: dict[str, _HeldSession] = {}


def _run_session(server_url: str) -> _HeldSession:
    """This process's session on the server, holding this run's lock shared."""
    held = _sessions.get(server_url)
    if held is not None:
        try:
            held.one("SELECT 1")
        except (OSError, RuntimeError):
            # The server restarted (a throwaway cluster): a new session, and the lock again.
            held = None
    if held is None:
        held = _HeldSession(server_url)
        held.one(f"SELECT pg_advisory_lock_shared({_lock_key(_LOCK_RUN, RUN_ID)})")
        _sessions[server_url] = held
    return held


def _sweep_abandoned_templates(server_url: str, held: _HeldSession) -> None:
    """Drop the templates of runs that ended without dropping them (killed, crashed)."""
    names = psql(
        server_url,
        f"SELECT datname FROM pg_database WHERE datname LIKE '{TEMPLATE_PREFIX}\\_%'",
    ).split()
    runs = {n.split("_")[2] for n in names if len(n.split("_")) >= 4} - {RUN_ID}
    for run in sorted(runs):
        if held.one(f"SELECT pg_try_advisory_lock({_lock_key(_LOCK_RUN, run)})") != "t":
            continue  # that run is still going
        try:
            for name in names:
                if name.startswith(f"{TEMPLATE_PREFIX}_{run}_"):
                    psql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            held.one(f"SELECT pg_advisory_unlock({_lock_key(_LOCK_RUN, run)})")


def template_database(server_url: str, embedding_dim: int) -> str:
    """The name of this run's template database at ``embedding_dim``, deployed by Sqitch the
    first time any process of the run asks for it. Nobody connects to it afterwards (a
    template with a connection cannot be copied): clone it with :func:`clone_database`."""
    held = _run_session(server_url)
    name = _template_name(RUN_ID, embedding_dim)
    exists = f"SELECT count(*) FROM pg_database WHERE datname = '{name}'"
    build_key = _lock_key(_LOCK_BUILD, name)
    if psql(server_url, exists) == "1":
        return name
    held.one(f"SELECT pg_advisory_lock({build_key})")
    try:
        if psql(server_url, exists) == "1":
            return name  # another worker built it while this one waited
        _sweep_abandoned_templates(server_url, held)
        # Deployed under another name and renamed when complete, so that a template that
        # exists is a whole one (a build that died half-way leaves only the _wip database).
        wip = with_database(server_url, f"{name}_wip")
        drop_database(server_url, wip)
        psql(server_url, f'CREATE DATABASE "{name}_wip"')
        # Without verify: what is verified is the deploy, which the tests about it and
        # script/test's Sqitch round trip do; a template only has to be what a deploy writes.
        deploy(wip, embedding_dim, verify=False)
        psql(server_url, f'ALTER DATABASE "{name}_wip" RENAME TO "{name}"')
    finally:
        held.one(f"SELECT pg_advisory_unlock({build_key})")
    return name


def clone_database(server_url: str, embedding_dim: int, prefix: str = "animus_pytest") -> str:
    """A new database copied from this run's template at ``embedding_dim``; its URL.

    ``CREATE DATABASE ... TEMPLATE`` copies everything inside the database (schemas, data,
    the Sqitch registry), but not what the server keeps per database outside it: the
    ``ALTER ROLE ... IN DATABASE ... SET`` defaults that the deploy sets for animus_app. Those
    are set again on the copy, and compared with the template's.
    """
    template = template_database(server_url, embedding_dim)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    psql(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    settings_of = (
        "SELECT coalesce(string_agg(coalesce(r.rolname, '-') || ':' || c, E'\\n'"
        " ORDER BY r.rolname, c), '') FROM pg_db_role_setting s"
        " JOIN pg_database d ON d.oid = s.setdatabase"
        " LEFT JOIN pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) AS c"
        " WHERE d.datname = '{}'"
    )
    psql(
        server_url,
        "DO $$ DECLARE r record; BEGIN"
        " FOR r IN SELECT ro.rolname, split_part(c, '=', 1) AS k,"
        " substr(c, strpos(c, '=') + 1) AS v FROM pg_db_role_setting s"
        " JOIN pg_database d ON d.oid = s.setdatabase"
        " LEFT JOIN pg_roles ro ON ro.oid = s.setrole, unnest(s.setconfig) AS c"
        f" WHERE d.datname = '{template}' LOOP"
        " IF r.rolname IS NULL THEN"
        f" EXECUTE format('ALTER DATABASE %I SET %I = %L', '{name}', r.k, r.v);"
        " ELSE"
        f" EXECUTE format('ALTER ROLE %I IN DATABASE %I SET %I = %L', r.rolname, '{name}',"
        " r.k, r.v);"
        " END IF; END LOOP; END $$",
    )
    copied, wanted = (psql(server_url, settings_of.format(d)) for d in (name, template))
    if copied != wanted:
        drop_database(server_url, with_database(server_url, name))
        raise RuntimeError(f"the role settings of {name} ({copied!r}) differ from {wanted!r}")
    return with_database(server_url, name)


def release_templates() -> None:
    """End this process's part in the run: release the run lock; the last process of the run
    to leave drops the run's templates. Called at the end of each pytest session."""
    for server_url, held in list(_sessions.items()):
        del _sessions[server_url]
        try:
            _release(server_url, held)
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            # A server that went away took its templates with it; one still there keeps them
            # until the next run sweeps them (_sweep_abandoned_templates).
            print(f"release_templates: {server_url}: {exc}", file=sys.stderr)


def _release(server_url: str, held: _HeldSession) -> None:
    try:
        held.one(f"SELECT pg_advisory_unlock_shared({_lock_key(_LOCK_RUN, RUN_ID)})")
        if held.one(f"SELECT pg_try_advisory_lock({_lock_key(_LOCK_RUN, RUN_ID)})") == "t":
            names = psql(
                server_url,
                "SELECT datname FROM pg_database WHERE datname LIKE"
                f" '{TEMPLATE_PREFIX}\\_{RUN_ID}\\_%'",
            ).split()
            for name in names:
                psql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        held.close()


def _backend_waits(url: str) -> str:
    """What the server's backends wait on, one word each (for a diagnostic only)."""
    sql = (
        "SELECT string_agg(coalesce(wait_event_type || ':' || wait_event, state, backend_type),"
        " ', ') FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
    )
    try:
        return psql(url, sql, timeout=30)
    except (subprocess.SubprocessError, OSError) as exc:
        return f"(unknown: {exc})"


async def open_connections(url: str, count: int) -> list[asyncpg.Connection]:
    """``count`` connections, opened one after another, each retried on a timed-out start-up.

    The races of the concurrency tests are in the statements, not in the backend start-ups,
    so nothing is lost by opening them in turn. Twice on a loaded 2-core CI machine one
    backend start-up outlasted asyncpg's 60 s timeout; a retry says so on stderr (with what
    the server's other backends were waiting on) instead of failing the race before it runs.
    """
    opened: list[asyncpg.Connection] = []
    try:
        for _ in range(count):
            for attempt in range(1, 4):
                try:
                    opened.append(await asyncpg.connect(url, timeout=60))
                    break
                except TimeoutError:
                    if attempt == 3:
                        raise
                    waits = _backend_waits(url)
                    print(
                        f"open_connections: a connection start-up took over 60 s (attempt"
                        f" {attempt}); the server's backends were waiting on: {waits}",
                        file=sys.stderr,
                    )
    except BaseException:
        await asyncio.gather(*(c.close() for c in opened), return_exceptions=True)
        raise
    return opened


def unavailable(reason: str) -> NoReturn:
    """Skip a test whose prerequisite this server lacks (pg_cron, pg_partman, the embedded
    cluster...), except where it cannot be missing: under CI on the embedded cluster that
    ``script/test`` set up, a missing prerequisite is a broken set-up and fails the test, so a
    check that CI depends on never turns silently into a skip."""
    if os.environ.get("CI") == "true" and os.environ.get("ANIMUS_TEST_CLUSTER_URL"):
        pytest.fail(f"{reason}, but script/test under CI sets it up: the set-up is broken")
    pytest.skip(reason)


async def new_queue_on(conn: asyncpg.Connection, prefix: str) -> str:
    """Like :func:`new_queue`, on a raw asyncpg connection (the concurrency suites). The name
    is unique, so tests that use it as their work_type never share dedup keys (which are per
    work_type across queues) in the session database."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await conn.execute("SELECT animus.create_queue($1::text)", name)
    return name


async def new_queue(db: Db, prefix: str) -> str:
    """Create a queue of the calling test's own (``prefix`` plus a random tail); its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await db.create_queue(name)
    return name


def _docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@contextmanager
def _docker_image() -> Iterator[str]:
    prebuilt = os.environ.get("ANIMUS_TEST_DOCKER_IMAGE")
    if prebuilt:
        yield prebuilt
        return
    from testcontainers.core.image import DockerImage

    base = os.environ.get("ANIMUS_POSTGRES_BASE")
    with DockerImage(
        path=str(ROOT),
        dockerfile_path="docker/postgres/Dockerfile",
        custom_context=True,
        fileobj=_build_context(),
        buildargs={"BASE": base} if base else {},
    ) as image:
        yield str(image)


def _build_context() -> io.BytesIO:
    """The files docker/postgres/Dockerfile copies, as a tar (its Dockerfile.dockerignore says
    the same): sending the checkout would send .venv/ and the embedded cluster's data too."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in ("docker/postgres", "script/lib.sh", "script/setup", "script/install-pgmq-sql"):
            tar.add(ROOT / path, arcname=path)
    buffer.seek(0)
    return buffer


@contextmanager
def _container_server_url() -> Iterator[str]:
    """A container of the animus Postgres image, its port published on 127.0.0.1 only."""
    from testcontainers.community.postgres import PostgresContainer

    port = os.environ.get("ANIMUS_TEST_DOCKER_PORT")
    with _docker_image() as image:
        pg = PostgresContainer(image, driver=None).with_command(
            # The embedded cluster's settings that the tests rely on (see compose.yaml).
            "postgres -c max_connections=200 -c shared_preload_libraries=pg_stat_statements"
        )
        # docker-py's form for "this host address, this port (or any free one)".
        pg.ports["5432"] = ("127.0.0.1", int(port)) if port else ("127.0.0.1",)
        with pg:
            yield pg.get_connection_url(host="127.0.0.1")


@contextmanager
def server_url() -> Iterator[str]:
    """A URL to a PostgreSQL server with the extensions, per the order in the module docstring."""
    explicit = os.environ.get("ANIMUS_TEST_DATABASE_URL")
    if explicit:
        yield explicit
        return
    use_docker = os.environ.get("ANIMUS_TEST_USE_DOCKER", "1")
    if use_docker == "require" and not _docker_answers():
        raise RuntimeError("ANIMUS_TEST_USE_DOCKER=require, but no Docker engine answers")
    if use_docker in ("1", "require") and _docker_answers():
        with _container_server_url() as url:
            yield url
        return
    cluster = os.environ.get("ANIMUS_TEST_CLUSTER_URL")
    if not cluster:
        subprocess.run([str(ROOT / "script" / "db"), "start"], check=True)
        cluster = subprocess.run(
            [str(ROOT / "script" / "db"), "url", "postgres"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    yield cluster


__all__ = [
    "clone_database",
    "create_database",
    "deploy",
    "drop_database",
    "fresh_database",
    "libpq_env",
    "psql",
    "release_templates",
    "revert",
    "server_url",
    "sqitch",
    "template_database",
    "with_database",
]

"""Shared fixtures: a real PostgreSQL with the real extensions, deployed by Sqitch."""

from __future__ import annotations

import fcntl
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from animus import Db, LocalEmbedder

from . import _db

# Locally every run explores new examples (and keeps failures in .hypothesis/ to replay them).
# CI runs a fixed sequence, so a landing is judged on the same cases each time; a property that
# fails there fails again on the same input.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

#: The dimension of the session database: the offline MiniLM embedder's.
SESSION_EMBEDDING_DIM = 384


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A server URL on which the tests may create and drop databases."""
    with _db.server_url() as url:
        yield url


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """One freshly deployed database shared by the session (embedding_dim 384): a clone of the
    run's template (``_db.clone_database``). Under pytest-xdist each worker has its own.

    Tests that share it isolate themselves with unique queue names and memory types.
    """
    with _db.fresh_database(server_url, SESSION_EMBEDDING_DIM) as url:
        yield url


@pytest.fixture(scope="session")
def template_database(server_url: str) -> str:
    """The name of the run's template database at embedding_dim 384, deployed once per run
    and shared by the xdist workers; never connect to it, clone it (``_db.clone_database``)."""
    return _db.template_database(server_url, SESSION_EMBEDDING_DIM)


@pytest.fixture(scope="session")
def _serial_lock_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory all the xdist workers of this run share (each has its own basetemp
    below it), for the lock files of the ``serial`` marker."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(autouse=True)
def _serial_or_shared(request: pytest.FixtureRequest, _serial_lock_dir: Path) -> Iterator[None]:
    """A test marked ``serial`` runs while no other test of the run does (other xdist workers
    wait); every other test may run alongside the rest. A reader-writer lock on files (flock):
    the turnstile keeps a waiting serial test from being overtaken by the next shared ones."""
    serial = request.node.get_closest_marker("serial") is not None
    with (
        open(_serial_lock_dir / "serial.turnstile", "a") as turnstile,
        open(_serial_lock_dir / "serial.lock", "a") as lock,
    ):
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if serial else fcntl.LOCK_SH)
        finally:
            if not serial:
                fcntl.flock(turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            if serial:
                fcntl.flock(turnstile, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def local_embedder() -> LocalEmbedder:
    """The offline MiniLM, loaded once for the session."""
    return LocalEmbedder()


@pytest.fixture
async def db(database_url: str, local_embedder: LocalEmbedder) -> AsyncIterator[Db]:
    """A ``Db`` on the session database with the offline embedder, closed after the test."""
    connected = await Db.connect(database_url, embedder=local_embedder)
    try:
        yield connected
    finally:
        await connected.close()


#: The fixtures that need a PostgreSQL server; a test marked ``unit`` must use none of them.
DATABASE_FIXTURES = frozenset({"server_url", "database_url", "db", "template_database"})


_file_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # In the controller (or the only process) this sees every test's phases, workers' too.
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        name = _file_of(report.nodeid)
        _file_seconds[name] = _file_seconds.get(name, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # This process is done with the run's templates; the last one out drops them.
    _db.release_templates()
    cache = session.config.cache
    if cache is not None and _file_seconds and not os.environ.get("PYTEST_XDIST_WORKER"):
        known: dict[str, float] = cache.get(FILE_SECONDS_KEY, {})
        cache.set(FILE_SECONDS_KEY, {**known, **_file_seconds})


#: Where the controller keeps each test file's time of the last run (in .pytest_cache).
FILE_SECONDS_KEY = "animus/file_seconds"


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The slowest files of the last run first, so that under pytest-xdist (--dist loadfile) no
    # long file starts last and runs alone at the end; files without a time (new ones, or the
    # first run) come first of all, in their order. Tests keep their order inside a file.
    # Every worker collects the same order, as xdist requires: they read the same cache.
    seconds: dict[str, float] = config.cache.get(FILE_SECONDS_KEY, {}) if config.cache else {}
    rank = {f: i for i, f in enumerate(dict.fromkeys(_file_of(i.nodeid) for i in items))}
    items.sort(
        key=lambda i: (-seconds.get(_file_of(i.nodeid), float("inf")), rank[_file_of(i.nodeid)])
    )
    for item in items:
        uses = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("unit") is not None and uses:
            raise pytest.UsageError(
                f"{item.nodeid} is marked unit (no database) but uses {', '.join(sorted(uses))}"
            )

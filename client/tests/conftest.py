"""Shared fixtures: a real PostgreSQL with the real extensions, deployed by Sqitch."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

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
    """One freshly deployed database shared by the session (embedding_dim 384).

    Tests that share it isolate themselves with unique queue names and memory types.
    """
    with _db.fresh_database(server_url, SESSION_EMBEDDING_DIM) as url:
        yield url


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
DATABASE_FIXTURES = frozenset({"server_url", "database_url", "db"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        uses = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("unit") is not None and uses:
            raise pytest.UsageError(
                f"{item.nodeid} is marked unit (no database) but uses {', '.join(sorted(uses))}"
            )

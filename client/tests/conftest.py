"""Shared fixtures: a real PostgreSQL with the real extensions, deployed by Sqitch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import _db

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


#: The fixtures that need a PostgreSQL server; a test marked ``unit`` must use none of them.
DATABASE_FIXTURES = frozenset({"server_url", "database_url"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        uses = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("unit") is not None and uses:
            raise pytest.UsageError(
                f"{item.nodeid} is marked unit (no database) but uses {', '.join(sorted(uses))}"
            )

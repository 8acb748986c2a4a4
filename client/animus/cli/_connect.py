"""Which database a command talks to, and the connection (with its embedder) it opens."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..database_url import database_url_from_env, normalize_database_url
from ..errors import ConfigError, ConnectionError
from . import _repo
from ._args import opt
from ._errors import UsageError

if TYPE_CHECKING:
    # The driver, the models and the embedders load when a command connects, not for --help.
    from ..db import Db
    from ..embeddings import Embedder

#: The origin of the URL ``script/db url`` prints, the CLI's last resort.
EMBEDDED = "the embedded cluster's URL"


@dataclass(frozen=True)
class Target:
    """The database URL and where it came from (``--url``, an environment variable, ``.env``,
    or the embedded cluster)."""

    url: str = field(repr=False)  # it may hold a password
    origin: str

    @classmethod
    def checked(cls, url: str, origin: str) -> Target:
        """The target, its URL normalised; ``ConfigError`` names ``origin``, not the URL."""
        try:
            return cls(normalize_database_url(url, name=origin), origin)
        except ConfigError as exc:
            exc.hint = (
                f"fix {origin}: postgresql://USER:PASSWORD@HOST:PORT/DATABASE, with a password "
                "percent-encoded (urllib.parse.quote(password, safe=''))"
            )
            raise

    @property
    def embedded(self) -> bool:
        return self.origin == EMBEDDED


def resolve_target(args: argparse.Namespace) -> Target:
    """``--url``; else ``ANIMUS_DATABASE_URL`` or ``DATABASE_URL`` from the environment, then
    from ``.env`` in the working directory (as ``Config`` reads them); else the embedded
    cluster of the checkout."""
    given = opt(args, "url")
    if given:
        return Target.checked(str(given), "--url")
    for name in ("ANIMUS_DATABASE_URL", "DATABASE_URL"):
        if os.environ.get(name):
            return Target.checked(os.environ[name], name)
    from_file = database_url_from_env(".env")
    if from_file:
        return Target.checked(from_file, "DATABASE_URL (from .env)")
    embedded = _repo.embedded_url()
    if embedded:
        return Target.checked(embedded, EMBEDDED)
    raise UsageError(
        "no database: pass --url or set DATABASE_URL",
        hint="--url postgresql://USER:PASSWORD@HOST:PORT/DATABASE, or DATABASE_URL in the "
        "environment or in ./.env; a new database gets the schema with: animus db deploy "
        "--url URL",
    )


@contextlib.contextmanager
def cluster_errors(target: Target) -> Iterator[None]:
    """A failed connection to the embedded cluster because it is stopped is "not running"
    (exit 3), with the command that starts it; any other failed connection names where its URL
    came from."""
    try:
        yield
    except ConnectionError as exc:
        if target.embedded and not _repo.cluster_running():
            raise _repo.ClusterNotRunning(
                "the embedded cluster is not running (no --url or DATABASE_URL given)",
                hint="start it: animus db start (or pass --url / set DATABASE_URL)",
            ) from exc
        if not target.embedded and exc.hint is None:
            # Say where the URL came from: a copied .env, or a stale
            # DATABASE_URL, is the usual cause.
            exc.hint = f"is PostgreSQL running, and is the URL from {target.origin} right?"
            if _repo.find_root() is not None:
                exc.hint += (
                    " The embedded cluster: animus db start, and animus db url prints its URL"
                )
        raise


def make_embedder(kind: str, url: str, dimensions: int, model: str | None = None) -> Embedder:
    """The embedder for ``--embedder``; openai's dimension defaults to the database's, its
    model to ANIMUS_EMBEDDING_MODEL's unless ``model`` names one."""
    from ..embeddings import OpenAIEmbedder, local_embedder_class

    if kind == "openai":
        from ..config import Config

        config = Config(database_url=url)
        return OpenAIEmbedder(
            model or config.embedding_model,
            config.embedding_dimensions or dimensions,
            api_key=config.require_openai_key(),
            base_url=config.openai_base_url,
            max_retries=config.llm_max_retries,
            timeout=config.llm_timeout_seconds,
        )
    return local_embedder_class()()


async def connect(args: argparse.Namespace, *, embedder: bool = False, max_size: int = 2) -> Db:
    """Connect with the health check; with ``embedder``, also check its dimension.
    ``max_size``: the pool's connections (a worker needs more than a one-shot command)."""
    from ..db import Db

    target = resolve_target(args)
    with cluster_errors(target):
        db = await Db.connect(target.url, min_size=1, max_size=max_size)
    if embedder:
        try:
            db.embedder = make_embedder(
                opt(args, "embedder") or "local", target.url, await db.embedding_dim()
            )
            await db.check()
        except BaseException:
            await db.close()
            raise
    return db


__all__ = ["EMBEDDED", "Target", "cluster_errors", "connect", "make_embedder", "resolve_target"]

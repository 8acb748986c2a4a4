"""Which database a command talks to, and the connection (with its embedder) it opens."""

from __future__ import annotations

import argparse
import os

from ..config import Config
from ..db import Db
from ..embeddings import Embedder, OpenAIEmbedder, local_embedder_class
from . import _repo
from ._args import opt
from ._errors import UsageError


def resolve_url(args: argparse.Namespace) -> str:
    url = (
        opt(args, "url")
        or os.environ.get("ANIMUS_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or _repo.embedded_url()
    )
    if not url:
        raise UsageError(
            "no database: pass --url or set DATABASE_URL",
            hint="inside an animus checkout the default is the embedded cluster (animus db url)",
        )
    return str(url)


def make_embedder(kind: str, url: str, dimensions: int) -> Embedder:
    """The embedder for ``--embedder``; openai's dimension defaults to the database's."""
    if kind == "openai":
        config = Config(database_url=url)
        return OpenAIEmbedder(
            config.embedding_model,
            config.embedding_dimensions or dimensions,
            api_key=config.require_openai_key(),
            base_url=config.openai_base_url,
            max_retries=config.llm_max_retries,
            timeout=config.llm_timeout_seconds,
        )
    return local_embedder_class()()


async def connect(args: argparse.Namespace, *, embedder: bool = False) -> Db:
    """Connect with the health check; with ``embedder``, also check its dimension."""
    url = resolve_url(args)
    db = await Db.connect(url, min_size=1, max_size=2)
    if embedder:
        try:
            db.embedder = make_embedder(
                opt(args, "embedder") or "local", url, await db.embedding_dim()
            )
            await db.check()
        except BaseException:
            await db.close()
            raise
    return db


__all__ = ["connect", "make_embedder", "resolve_url"]

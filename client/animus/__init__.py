"""animus: the data layer AI agents stand on.

Work queues with structural dedup (pgmq), semantic memory with hybrid search (pgvector and
full-text search), and OpenTelemetry observability, all in one PostgreSQL. The logic lives in
SQL functions in the ``animus`` schema; this package is a thin async client for them.

Every name below is imported on first use (PEP 562), so ``import animus`` (and the ``animus``
command's ``--help`` and ``--version``) load neither asyncpg, pydantic, openai, numpy nor the
OpenTelemetry SDK, and ``LocalEmbedder`` works only with the ``local`` extra installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: The client's version. It moves with the schema: the newest ``@vX.Y.Z`` tag of the bundled
#: ``sqitch.plan``, or a ``.devN`` of the next release while unreleased changes follow that tag
#: (``client/tests/test_version.py``). ``pyproject.toml`` reads it from here.
__version__ = "0.4.0.dev0"

#: public name -> the module that defines it
_EXPORTS = {
    "ChatModel": "chat",
    "ChatResult": "chat",
    "TokenUsage": "chat",
    "Config": "config",
    "REQUIRED_CHANGES": "db",
    "Db": "db",
    "init_connection": "db",
    "Embedder": "embeddings",
    "OpenAIEmbedder": "embeddings",
    "embedder_from_config": "embeddings",
    "AnimusError": "errors",
    "ConfigError": "errors",
    "DatabaseError": "errors",
    "EmbeddingDimensionMismatch": "errors",
    "InvalidInput": "errors",
    "NotFound": "errors",
    "ProviderError": "errors",
    "SchemaNotDeployed": "errors",
    "SchemaOutdated": "errors",
    "SetupError": "errors",
    "WaitTimeout": "errors",
    "WorkDead": "errors",
    "WorkFailed": "errors",
    "WorkWasCancelled": "errors",
    "LocalEmbedder": "local_embedder",
    "HybridMatch": "models",
    "Memory": "models",
    "MemoryFilters": "models",
    "MemoryMatch": "models",
    "NewMemory": "models",
    "NewWorkItem": "models",
    "SubmitResult": "models",
    "WorkItem": "models",
    "WorkResult": "models",
    # The worker pulls in the telemetry and the task machinery: imported on first use, so
    # agents that only submit never load it.
    "ItemResult": "worker",
    "Retry": "worker",
    "TaskRegistry": "worker",
    "Worker": "worker",
    "WorkerStats": "worker",
}

if TYPE_CHECKING:
    from .chat import ChatModel, ChatResult, TokenUsage
    from .config import Config
    from .db import REQUIRED_CHANGES, Db, init_connection
    from .embeddings import Embedder, OpenAIEmbedder, embedder_from_config
    from .errors import (
        AnimusError,
        ConfigError,
        DatabaseError,
        EmbeddingDimensionMismatch,
        InvalidInput,
        NotFound,
        ProviderError,
        SchemaNotDeployed,
        SchemaOutdated,
        SetupError,
        WaitTimeout,
        WorkDead,
        WorkFailed,
        WorkWasCancelled,
    )
    from .local_embedder import LocalEmbedder
    from .models import (
        HybridMatch,
        Memory,
        MemoryFilters,
        MemoryMatch,
        NewMemory,
        NewWorkItem,
        SubmitResult,
        WorkItem,
        WorkResult,
    )
    from .worker import ItemResult, Retry, TaskRegistry, Worker, WorkerStats


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'animus' has no attribute {name!r}")
    if name == "LocalEmbedder":
        from .embeddings import local_embedder_class

        value: Any = local_embedder_class()  # a clear error without the local extra
    else:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "REQUIRED_CHANGES",
    "AnimusError",
    "ChatModel",
    "ChatResult",
    "Config",
    "ConfigError",
    "DatabaseError",
    "Db",
    "Embedder",
    "EmbeddingDimensionMismatch",
    "HybridMatch",
    "InvalidInput",
    "ItemResult",
    "LocalEmbedder",
    "Memory",
    "MemoryFilters",
    "MemoryMatch",
    "NewMemory",
    "NewWorkItem",
    "NotFound",
    "OpenAIEmbedder",
    "ProviderError",
    "Retry",
    "SchemaNotDeployed",
    "SchemaOutdated",
    "SetupError",
    "SubmitResult",
    "TaskRegistry",
    "TokenUsage",
    "WaitTimeout",
    "WorkDead",
    "WorkFailed",
    "WorkItem",
    "WorkResult",
    "WorkWasCancelled",
    "Worker",
    "WorkerStats",
    "embedder_from_config",
    "init_connection",
]

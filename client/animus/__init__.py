"""animus: the data layer AI agents stand on.

Work queues with structural dedup (pgmq), semantic memory with hybrid search (pgvector and
full-text search), and OpenTelemetry observability, all in one PostgreSQL. The logic lives in
SQL functions in the ``animus`` schema; this package is a thin async client for them.

``LocalEmbedder`` (offline MiniLM) is imported on first use, so ``import animus`` works without
the ``local`` extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from .local_embedder import LocalEmbedder
    from .worker import ItemResult, Retry, TaskRegistry, Worker, WorkerStats

__version__ = "0.1.0"


_WORKER_EXPORTS = frozenset({"Worker", "TaskRegistry", "Retry", "WorkerStats", "ItemResult"})


def __getattr__(name: str) -> Any:
    if name in _WORKER_EXPORTS:
        # The worker pulls in the telemetry and the task machinery: imported on first use, so
        # ``import animus`` stays light for agents that only submit.
        from . import worker

        return getattr(worker, name)
    if name == "LocalEmbedder":
        from .embeddings import local_embedder_class

        return local_embedder_class()
    raise AttributeError(f"module 'animus' has no attribute {name!r}")


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

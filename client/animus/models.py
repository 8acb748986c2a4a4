"""Pydantic models: one per SQL composite type (docs/sql-contract.md), plus the inputs.

Result models mirror ``animus.submit_result``, ``animus.work_delivery``,
``animus.complete_result``, ``animus.memory_match`` and ``animus.hybrid_match`` column for
column, and are built from the record by column name.
``from_record`` validates ``dict(record)``: pydantic-core's validator is faster than
``model_construct``, which skips validation (docs/benchmarks.md, "Result models").
Input models validate strictly (unknown fields are an error) before anything reaches the
database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class _Row(BaseModel):
    """A row of a composite type returned by an animus function."""

    model_config = ConfigDict(frozen=True)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Self:
        """Build from a database record (columns matched by name)."""
        return cls.model_validate(dict(record))


class SubmitResult(_Row):
    """``animus.submit_result``: what ``submit_work`` did with one item."""

    work_id: UUID
    status: Literal["queued", "merged"]
    merged_into: UUID | None = None
    msg_id: int | None = None


class WorkItem(_Row):
    """``animus.work_delivery``: a delivered message joined with its work item."""

    msg_id: int
    read_ct: int
    enqueued_at: datetime
    vt: datetime
    id: UUID
    queue_name: str
    work_type: str
    dedup_key: str | None
    source: str
    trigger_info: str | None
    params: dict[str, Any]
    priority: int
    state: str
    parent_id: UUID | None
    attempts: int
    max_attempts: int | None
    created_at: datetime
    updated_at: datetime
    traceparent: str | None
    tracestate: str | None
    #: The message's read_ct for this delivery: complete, fail and extend pass it back, and
    #: the database refuses them (``LeaseLost``) once the item was delivered again.
    lease: int


class CompleteResult(_Row):
    """``animus.complete_result``: what ``complete_work_batch`` did with one item.

    ``busy``: another transaction held the item's message, nothing changed (``Db.complete_batch``
    settles those again one by one, so its callers never see it). The refusals carry the
    SQLSTATE ``complete_work`` would have raised: ``unknown`` AN003, ``not_running`` AN004,
    ``lease_lost`` AN015, ``cancelled`` AN016.
    """

    work_id: UUID
    status: Literal["completed", "busy", "unknown", "not_running", "lease_lost", "cancelled"]
    sqlstate: str | None = None


class WorkResult(_Row):
    """``animus.work_result``: what became of a submission (``Db.work_result``,
    ``Db.wait_for``).

    ``work_id`` is the id asked about, ``resolved_id`` the item that carries the work (the
    same, or the item the submission was merged into). ``state`` is ``queued`` or ``running``
    until it is settled, then ``completed`` (``outcome_data``) or ``dead`` (``outcome_error``;
    ``cancelled`` says whether ``cancel_work`` ended it).
    """

    work_id: UUID
    resolved_id: UUID | None
    state: str
    outcome_data: Any = None
    outcome_error: str | None = None
    outcome_ms: int | None = None
    attempts: int | None = None
    max_attempts: int | None = None
    cancelled: bool = False
    resolved_at: datetime | None = None

    @property
    def settled(self) -> bool:
        """Whether the work is over (completed or dead): waiting longer changes nothing."""
        return self.state not in ("queued", "running")


class MemoryMatch(_Row):
    """``animus.memory_match``: one memory found by ``search_memory`` (score = cosine)."""

    id: int
    content: str
    memory_type: str
    source: str | None
    metadata: dict[str, Any]
    created_at: datetime
    score: float


class HybridMatch(MemoryMatch):
    """``animus.hybrid_match``: a fused result, with each leg's 1-based rank (None: absent)."""

    vector_rank: int | None
    keyword_rank: int | None


class Memory(_Row):
    """One row of ``animus.get_memory``: a stored memory without its embedding."""

    id: int
    content: str
    memory_type: str
    source: str | None
    metadata: dict[str, Any]
    embedding_model: str | None
    #: The external key (document path, URL, message id) and the chunk's position in it.
    key: str | None
    chunk_index: int
    created_at: datetime
    updated_at: datetime
    #: The scope the memory belongs to.
    scope: str


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewWorkItem(_Input):
    """The arguments of ``animus.submit_work``."""

    queue_name: str
    work_type: str
    source: str
    params: dict[str, Any] = Field(default_factory=dict)
    dedup_key: str | None = None
    trigger_info: str | None = None
    priority: int = 0
    parent_id: UUID | None = None
    max_attempts: int | None = None
    delay_seconds: int = 0


class WorkCompletion(_Input):
    """One item of ``animus.complete_work_batch``: ``complete_work``'s arguments."""

    work_id: UUID
    lease: int | None = None
    outcome_data: Any = None
    outcome_ms: int | None = Field(default=None, ge=0)

    @classmethod
    def of(
        cls, item: WorkItem, outcome_data: Any = None, outcome_ms: int | None = None
    ) -> WorkCompletion:
        """Complete a delivered item with its lease."""
        return cls(
            work_id=item.id, lease=item.lease, outcome_data=outcome_data, outcome_ms=outcome_ms
        )


class NewMemory(_Input):
    """One memory to store; the client computes its embedding."""

    content: str
    memory_type: str
    source: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class MemoryFilters(_Input):
    """The ``filters`` argument of the search functions (serialised to jsonb).

    ``created_after`` is inclusive and ``created_before`` exclusive; ``metadata`` matches by
    containment.
    """

    memory_type: str | list[str] | None = None
    source: str | None = None
    metadata: dict[str, Any] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The filters object, with unset filters left out."""
        return self.model_dump(mode="json", exclude_none=True)


__all__ = [
    "CompleteResult",
    "HybridMatch",
    "Memory",
    "MemoryFilters",
    "MemoryMatch",
    "NewMemory",
    "NewWorkItem",
    "SubmitResult",
    "WorkCompletion",
    "WorkItem",
    "WorkResult",
]

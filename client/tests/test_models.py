"""The result models mirror the composite types of docs/sql-contract.md, column for column."""

from __future__ import annotations

import re
import uuid

import pydantic
import pytest

from animus.models import (
    CompleteResult,
    HybridMatch,
    MemoryMatch,
    NewMemory,
    SubmitResult,
    WorkItem,
    WorkResult,
)

from . import _db

pytestmark = pytest.mark.unit

MODELS = {
    "submit_result": SubmitResult,
    "work_delivery": WorkItem,
    "complete_result": CompleteResult,
    "memory_match": MemoryMatch,
    "hybrid_match": HybridMatch,
    "work_result": WorkResult,
}


def documented_types() -> dict[str, list[str]]:
    doc = (_db.ROOT / "docs" / "sql-contract.md").read_text(encoding="utf-8")
    found = re.findall(r"CREATE TYPE animus\.(\w+) AS \((.*?)\);", doc, flags=re.S)
    return {
        name: [column.split()[0] for column in " ".join(body.split()).split(", ")]
        for name, body in found
    }


def test_each_model_has_the_columns_of_its_type_in_order() -> None:
    types = documented_types()
    assert set(types) == set(MODELS)
    for name, model in MODELS.items():
        assert list(model.model_fields) == types[name], name


def test_from_record_matches_columns_by_name_and_validates() -> None:
    work_id = uuid.uuid4()
    record = {"msg_id": 3, "merged_into": None, "status": "queued", "work_id": str(work_id)}
    result = SubmitResult.from_record(record)
    assert result.work_id == work_id and result.msg_id == 3
    with pytest.raises(pydantic.ValidationError):
        SubmitResult.from_record({**record, "status": "lost"})


def test_inputs_refuse_unknown_fields() -> None:
    with pytest.raises(pydantic.ValidationError):
        NewMemory(content="x", memory_type="note", tags=["a"])  # type: ignore[call-arg]

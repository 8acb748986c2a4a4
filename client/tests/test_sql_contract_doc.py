"""docs/sql-contract.md stands on its own: it names every public function and view of the
deployed schema, with its argument names, and nothing that is not there."""

from __future__ import annotations

import re

import pytest

from . import _db

DOC = (_db.ROOT / "docs" / "sql-contract.md").read_text(encoding="utf-8")


def test_the_contract_lists_every_public_function_with_its_arguments(database_url: str) -> None:
    rows = _db.psql(
        database_url,
        "SELECT p.proname || '|' || coalesce(array_to_string(p.proargnames[1:p.pronargs], ','), '')"
        " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = 'animus' AND p.proname !~ '^_' ORDER BY 1",
    ).splitlines()
    deployed = {
        name: args.split(",") if args else [] for name, args in (r.split("|") for r in rows)
    }
    documented = dict(re.findall(r"^\| `(\w+)\(([^`]*)\)` \|", DOC, flags=re.MULTILINE))
    assert set(documented) == set(deployed), "docs/sql-contract.md and the schema differ"
    for name, args in deployed.items():
        listed = [a.split()[0] for a in documented[name].split(", ") if a]
        assert listed == args, f"{name}: the doc lists {listed}, the schema has {args}"


def test_the_contract_lists_every_public_view(database_url: str) -> None:
    views = _db.psql(
        database_url,
        "SELECT viewname FROM pg_views WHERE schemaname = 'animus' AND viewname !~ '^_'",
    ).split()
    for view in views:
        assert f"`animus.{view}`" in DOC


@pytest.mark.unit
def test_the_contract_points_only_inside_the_repository() -> None:
    assert "DESIGN.md" not in DOC and "../shared" not in DOC
    for target in re.findall(r"\]\(([^)#]+)", DOC):
        assert (_db.ROOT / "docs" / target).is_file(), target

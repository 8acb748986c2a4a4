"""Sqitch deploy, verify, revert and redeploy at another embedding dimension.

A deploy followed by ``sqitch verify`` skips the verify scripts during the deploy (script/test's
round trip runs them change by change): the same scripts would run twice.
"""

from __future__ import annotations

from . import _db


def test_deploy_revert_redeploy_at_another_dimension(server_url: str) -> None:
    with _db.fresh_database(server_url, embedding_dim=None) as url:
        _db.deploy(url, 1536, verify=False)
        assert _db.psql(url, "SELECT animus.embedding_dim()") == "1536"
        _db.sqitch(url, "verify")

        _db.revert(url)
        residue = _db.psql(
            url,
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'animus'",
        )
        assert residue == "0", "revert must leave no animus schema behind"
        extensions = _db.psql(
            url, "SELECT count(*) FROM pg_extension WHERE extname IN ('pgmq', 'vector')"
        )
        assert extensions == "0", "revert must drop the extensions it installed"

        _db.deploy(url, 384, verify=False)
        assert _db.psql(url, "SELECT animus.embedding_dim()") == "384"
        _db.sqitch(url, "verify")


def test_deploy_rejects_an_out_of_range_dimension(server_url: str) -> None:
    with _db.fresh_database(server_url, embedding_dim=None) as url:
        try:
            _db.deploy(url, 5000)
        except RuntimeError as exc:
            assert "embedding_dim must be an integer between 1 and 2000" in str(exc)
        else:
            raise AssertionError("deploying at embedding_dim=5000 must fail")
        assert _db.psql(url, "SELECT to_regprocedure('animus.embedding_dim()') IS NULL") == "t"


def test_verify_fails_when_an_object_is_missing(server_url: str) -> None:
    with _db.fresh_database(server_url, embedding_dim=3) as url:
        _db.psql(url, "DROP FUNCTION animus.embedding_dim()")
        try:
            _db.sqitch(url, "verify")
        except RuntimeError as exc:
            assert "function_embedding_dim" in str(exc)
        else:
            raise AssertionError("sqitch verify must fail when animus.embedding_dim() is gone")


def test_deploy_refuses_a_pgmq_outside_the_tested_range(server_url: str) -> None:
    # animus writes pgmq's tables directly, so an untested pgmq must fail the deploy, not the
    # first submit. The catalogue is edited to stand in for another pgmq release: none other is
    # installed here, and the check reads exactly this column.
    with _db.fresh_database(server_url, embedding_dim=None) as url:
        _db.psql(url, "CREATE EXTENSION pgmq")
        _db.psql(url, "UPDATE pg_extension SET extversion = '1.14.0' WHERE extname = 'pgmq'")
        try:
            _db.deploy(url, 3)
        except RuntimeError as exc:
            assert "pgmq 1.14.0 is outside the range animus is tested with" in str(exc)
        else:
            raise AssertionError("deploying on pgmq 1.14.0 must fail")
        assert _db.psql(url, "SELECT count(*) FROM pg_namespace WHERE nspname = 'animus'") == "0"
        # Back in range, the same database deploys, and verify re-checks the version.
        _db.psql(url, "UPDATE pg_extension SET extversion = '1.13.0' WHERE extname = 'pgmq'")
        _db.deploy(url, 3, verify=False)
        _db.sqitch(url, "verify")
        _db.psql(url, "UPDATE pg_extension SET extversion = '2.0.0' WHERE extname = 'pgmq'")
        try:
            _db.sqitch(url, "verify")
        except RuntimeError as exc:
            assert "function__check_pgmq" in str(exc)
        else:
            raise AssertionError("sqitch verify must fail once pgmq leaves the tested range")

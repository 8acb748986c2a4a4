"""The CLI's hints where there is no checkout (a pip install): they name what such a user has,
``animus db deploy --url`` and their own server, never ``script/db`` or ``.env.example``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from animus.errors import ConfigError

from . import _db

CHECKOUT_ONLY = ("script/db", ".env.example", "animus db start")


def _outside(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "ANIMUS_DATABASE_URL") and not k.startswith("PG")
    }
    return subprocess.run(
        [sys.executable, "-m", "animus", *args],
        cwd=tmp_path,
        env={**clean, "ANIMUS_HOME": str(tmp_path), **env},  # ANIMUS_HOME: not a checkout
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _hint(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("hint: "), proc.stderr
    return lines[-1]


@pytest.mark.unit
def test_no_database_outside_a_checkout_says_how_to_get_one(tmp_path: Path) -> None:
    proc = _outside(tmp_path, "work", "overview")
    assert proc.returncode == 2
    assert "error: no database: pass --url or set DATABASE_URL" in proc.stderr
    hint = _hint(proc)
    assert "animus db deploy --url URL" in hint
    assert not any(word in hint for word in CHECKOUT_ONLY), hint


@pytest.mark.unit
def test_an_unreachable_server_outside_a_checkout_names_no_embedded_cluster(
    tmp_path: Path,
) -> None:
    proc = _outside(tmp_path, "work", "overview", DATABASE_URL="postgresql://u@127.0.0.1:1/x")
    assert proc.returncode == 1
    hint = _hint(proc)
    assert "the URL from DATABASE_URL right?" in hint
    assert not any(word in hint for word in CHECKOUT_ONLY), hint


@pytest.mark.unit
def test_db_start_outside_a_checkout_points_at_deploy_url(tmp_path: Path) -> None:
    proc = _outside(tmp_path, "db", "start")
    assert proc.returncode == 1
    assert "animus db deploy --url URL" in _hint(proc)


@pytest.mark.unit
def test_a_configuration_error_points_at_no_checkout_file() -> None:
    assert ".env.example" not in str(ConfigError(["DATABASE_URL: required"]).hint)


def test_an_undeployed_database_is_deployed_with_deploy_url(
    server_url: str, tmp_path: Path
) -> None:
    with _db.fresh_database(server_url, None) as url:
        proc = _outside(tmp_path, "work", "overview", "--url", url)
        assert proc.returncode == 1
        assert "animus schema is not deployed" in proc.stderr
        hint = _hint(proc)
        assert "animus db deploy --url URL" in hint
        assert "script/db" not in hint

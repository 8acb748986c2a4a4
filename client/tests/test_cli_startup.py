"""The CLI answers at once: ``--help`` and ``--version`` load none of the heavy libraries.

Asserted on what is imported (``python -X importtime``), not on a timing; the figures are in
docs/benchmarks.md ("CLI cold start").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Modules that cost a tenth of a second or more each, or belong to a command that needs them.
HEAVY = (
    "onnxruntime",
    "openai",
    "numpy",
    "opentelemetry.sdk",
    "opentelemetry.exporter",
    "pydantic_settings",
    "pydantic",
    "asyncpg",
    "tokenizers",
    "semantic_text_splitter",
    "tqdm",
    "asyncio",
)


def _imported(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The modules ``python -X importtime -m animus ARGS`` imports, and its stdout."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "animus", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=True,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return modules, proc.stdout


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def _no_database_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "ANIMUS_DATABASE_URL") and not k.startswith("PG")
    }
    env["ANIMUS_HOME"] = str(tmp_path)  # not a checkout: no embedded cluster to ask
    return env


@pytest.mark.unit
def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    modules, out = _imported("--help", cwd=tmp_path)
    assert "usage: animus" in out
    assert "animus.cli" in modules
    assert _heavy(modules) == []


@pytest.mark.unit
def test_command_help_imports_nothing_heavy(tmp_path: Path) -> None:
    modules, out = _imported("memory", "import", "--help", cwd=tmp_path)
    assert "usage: animus memory import" in out
    assert _heavy(modules) == []


@pytest.mark.unit
def test_version_without_a_database_imports_nothing_heavy_and_says_so(tmp_path: Path) -> None:
    import animus

    env = _no_database_env(tmp_path)
    modules, out = _imported("--version", cwd=tmp_path, env=env)
    assert _heavy(modules) == []
    lines = out.splitlines()
    assert lines[0] == f"animus {animus.__version__}"
    assert lines[1].startswith("schema:   v")
    assert lines[2].startswith("database: none (no database"), lines

    data = json.loads(
        subprocess.run(
            [sys.executable, "-m", "animus", "--version", "--json"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=60,
            check=True,
        ).stdout
    )
    assert data["client"] == animus.__version__
    assert data["status"] == "no database" and data["database"] is None


@pytest.mark.unit
def test_import_animus_is_light() -> None:
    code = "import sys, animus; print(animus.__version__); print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert _heavy(set(out.splitlines()[1].split())) == []


@pytest.mark.unit
def test_public_names_still_import() -> None:
    import animus

    for name in animus.__all__:
        if name != "LocalEmbedder":
            assert getattr(animus, name) is not None, name
    assert animus.Db.__name__ == "Db"
    with pytest.raises(AttributeError):
        animus.NoSuchThing  # noqa: B018

"""Install as a library: the built wheel, in a fresh venv outside the checkout, deploys a
database with ``animus db deploy --url`` and runs the README's example there.

The wheel is built from the checkout (``pip wheel``, which runs ``setup.py``'s copy of the
Sqitch project) and installed into a new venv in a temporary directory, with no ``ANIMUS_HOME``
and the working directory outside the checkout, so nothing can fall back on the checkout's
files. Its dependencies are, by default, the ones of the venv running the tests (a ``.pth``
file behind the new venv's own site-packages): that keeps the test offline and within seconds,
and the test checks each requirement the wheel declares against them. With
``ANIMUS_TEST_WHEEL_DEPS=pip``, pip resolves and installs them into the new venv instead
(a minute or more, from the configured index).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import uuid
from pathlib import Path

import pytest

from . import _db
from .test_readme_example import readme_example

README = _db.ROOT / "README.md"


def _run(
    cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"{' '.join(cmd)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _clean_env() -> dict[str, str]:
    """The environment of someone who installed animus: no checkout, no database chosen."""
    drop = ("DATABASE_URL", "ANIMUS_DATABASE_URL", "ANIMUS_HOME", "PYTHONPATH", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PG")}


def _build_wheel(out: Path) -> Path:
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(_db.ROOT)],
        cwd=_db.ROOT,
        env=_clean_env(),
    )
    (wheel,) = out.glob("animus-*.whl")
    return wheel


def _install(wheel: Path, venv: Path, cwd: Path) -> Path:
    """The new venv's python, with animus installed from ``wheel``."""
    env = _clean_env()
    _run([sys.executable, "-m", "venv", str(venv)], cwd=cwd, env=env)
    python = venv / "bin" / "python"
    if os.environ.get("ANIMUS_TEST_WHEEL_DEPS") == "pip":
        _run([str(python), "-m", "pip", "install", "-q", f"{wheel}[local]"], cwd=cwd, env=env)
        return python
    _run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        cwd=cwd,
        env=env,
    )
    site = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=cwd,
        env=env,
    ).stdout.strip()
    Path(site, "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


#: Run in the new venv: every requirement of the installed wheel (with the local extra) is met.
CHECK_REQUIREMENTS = """
import importlib.metadata as md, json
from packaging.requirements import Requirement
missing = []
for text in md.requires("animus") or []:
    req = Requirement(text)
    if req.marker is not None and not req.marker.evaluate({"extra": "local"}):
        continue
    try:
        version = md.version(req.name)
    except md.PackageNotFoundError:
        missing.append(f"{req} (not installed)")
        continue
    if not req.specifier.contains(version, prereleases=True):
        missing.append(f"{req} (found {version})")
print(json.dumps(missing))
"""

WHERE = """
import json, animus, animus.schema as s
print(json.dumps({"file": animus.__file__, "version": animus.__version__,
                  "bundled": str(s.bundled_dir()), "checkout": s.checkout_dir()}))
"""


def test_the_wheel_deploys_a_database_and_runs_the_readme_example(
    server_url: str, tmp_path: Path
) -> None:
    import animus

    wheel = _build_wheel(tmp_path / "dist")
    assert wheel.name == f"animus-{animus.__version__}-py3-none-any.whl"
    project = tmp_path / "project"  # the user's own project: no checkout anywhere above it
    project.mkdir()
    venv = tmp_path / "venv"
    python = _install(wheel, venv, project)
    env = _clean_env()

    where = json.loads(_run([str(python), "-c", WHERE], cwd=project, env=env).stdout)
    assert where["file"].startswith(str(venv)), "animus comes from the wheel, not the checkout"
    assert where["version"] == animus.__version__
    assert where["checkout"] is None
    bundled = Path(where["bundled"])
    assert bundled.is_relative_to(venv)
    assert (bundled / "sqitch.plan").read_text() == (_db.ROOT / "sqitch.plan").read_text()
    for folder in ("deploy", "revert", "verify"):
        names = sorted(p.name for p in (bundled / folder).iterdir())
        assert names == sorted(p.name for p in (_db.ROOT / folder).iterdir()), folder
    missing = _run([str(python), "-c", CHECK_REQUIREMENTS], cwd=project, env=env).stdout
    assert json.loads(missing) == []

    animus_cmd = str(venv / "bin" / "animus")
    version = _run([animus_cmd, "--version"], cwd=project, env=env).stdout
    assert version.splitlines()[0] == f"animus {animus.__version__}"
    assert "database: none" in version

    # deploy creates the database it is given, as a user's new database would be
    url = _db.with_database(server_url, f"animus_wheel_{uuid.uuid4().hex[:10]}")
    try:
        deployed = _run(
            [animus_cmd, "db", "deploy", "--url", url, "--embedding-dim", "384"],
            cwd=project,
            env=env,
        )
        assert "created database" in deployed.stderr
        assert "deployed v" in deployed.stderr
        # Sqitch's progress lines only: no stray output of a deploy script (issue 25, a "0").
        for line in deployed.stdout.splitlines():
            assert line.startswith(("Adding registry", "Deploying changes", "  + ")), line
            if line.startswith("  + "):
                assert line.endswith(" ok"), line
        status = json.loads(
            _run([animus_cmd, "--version", "--json", "--url", url], cwd=project, env=env).stdout
        )
        assert status["status"] == "same" and status["database"] == status["schema"]

        example = project / "example.py"
        example.write_text(readme_example())
        proc = _run([str(python), str(example)], cwd=project, env={**env, "DATABASE_URL": url})
        lines = proc.stdout.strip().splitlines()
        assert lines[0].split(maxsplit=1)[1] == (
            "example.com is a domain reserved for documentation examples"
        )
        assert lines[2] == "Acme wants weekly reports."

        again = _run([animus_cmd, "db", "deploy", "--url", url], cwd=project, env=env)
        assert "Nothing to deploy" in again.stdout, "a second deploy changes nothing"
    finally:
        _db.drop_database(server_url, url)


@pytest.mark.unit
def test_the_readme_tells_a_library_user_how_to_install_and_deploy() -> None:
    text = README.read_text()
    start = text.index("## Use animus from your own project")
    section = text[start : text.index("\n## ", start + 1)]
    for needed in (
        "pip install",
        "animus db deploy --url",
        "apt-get install sqitch libdbd-pg-perl",
        "DATABASE_URL",
        "animus --version",
    ):
        assert needed in section, needed


@pytest.mark.unit
def test_deploy_without_sqitch_says_how_to_get_it(tmp_path: Path) -> None:
    env = {**_clean_env(), "PATH": str(tmp_path)}  # no sqitch (and nothing else) on PATH
    proc = subprocess.run(
        [sys.executable, "-m", "animus", "db", "deploy", "--url", "postgresql://u@127.0.0.1:1/x"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    error, hint = proc.stderr.strip().splitlines()
    assert error.startswith("error: sqitch is not installed")
    assert "apt-get install sqitch libdbd-pg-perl" in hint
    assert "sqitch/sqitch Docker image" in hint

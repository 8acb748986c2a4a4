"""One version: the client's and the schema's release tag move together.

The releases are the ``@vX.Y.Z`` tags of ``sqitch.plan``. ``animus.__version__`` (which
``pyproject.toml`` reads) is the newest tag's version when no change follows it, else a
``.devN`` pre-release of a later version: the next release in the making.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.version import Version

import animus
from animus.schema import checkout_dir, read_plan

from . import _db

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.unit
def test_version_follows_the_newest_release_tag_of_the_plan() -> None:
    plan = read_plan(ROOT / "sqitch.plan")
    release = plan.release()
    assert release.tag is not None
    tagged = Version(release.tag.removeprefix("v"))
    version = Version(animus.__version__)
    if release.later == 0:
        assert version == tagged, "the plan ends with its release tag: the client is that release"
    else:
        assert version.is_devrelease, (
            f"{release.later} changes follow @{release.tag}: the client is a .devN of the next "
            "release, not a release"
        )
        assert version.base_version != str(tagged) and version > tagged, (
            f"{animus.__version__} must be a pre-release of a version after {tagged}"
        )


@pytest.mark.unit
def test_pyproject_reads_the_version_from_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "animus.__version__"}


@pytest.mark.unit
def test_release_tags_are_versions_in_order() -> None:
    plan = read_plan(ROOT / "sqitch.plan")
    versions = [Version(tag.removeprefix("v")) for tag, _ in plan.tags]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert all(re.fullmatch(r"v\d+\.\d+\.\d+", tag) for tag, _ in plan.tags)
    assert checkout_dir() == ROOT


def _version_json(*args: str) -> dict[str, object]:
    import json
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "animus", "--version", "--json", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(proc.stdout))


def test_version_names_the_release_the_database_has_deployed(database_url: str) -> None:
    release = read_plan(ROOT / "sqitch.plan").release()
    data = _version_json("--url", database_url)
    assert data["client"] == animus.__version__
    assert data["database"] == data["schema"] == release.describe()
    assert data["status"] == "same"


def test_version_says_when_the_database_is_older(server_url: str) -> None:
    with _db.fresh_database(server_url, None) as url:
        _db.sqitch(url, "deploy", "--to", "@v0.2.0", "--set", "embedding_dim=384")
        data = _version_json("--url", url)
        assert data["database"] == "v0.2.0"
        assert data["status"] == "behind"
        import subprocess
        import sys

        text = subprocess.run(
            [sys.executable, "-m", "animus", "--version", "--url", url],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert "database: v0.2.0 deployed, OLDER than this client" in text
        assert "animus db deploy --url URL" in text

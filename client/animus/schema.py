"""The Sqitch project this client was built with: where it is, and which release it holds.

An installed wheel carries the project (``sqitch.conf``, ``sqitch.plan``, ``deploy/``,
``revert/``, ``verify/``) in ``animus/sqitch/``, copied there when the wheel is built
(``setup.py``). In a checkout (an editable install) the project is the checkout's top level.
Either way :func:`project_dir` finds it, and ``animus db deploy --url`` deploys it.

Releases are the ``@vX.Y.Z`` tags of ``sqitch.plan``; the client's version is the newest one,
or a ``.devN`` of the next release while changes follow it (:func:`plan_release`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: The files and folders of a Sqitch project that a deploy, revert or verify needs.
PROJECT_FILES = ("sqitch.conf", "sqitch.plan")
PROJECT_DIRS = ("deploy", "revert", "verify")

_TAG = re.compile(r"^@(v\d+\.\d+\.\d+)\s")


def _is_project(path: Path) -> bool:
    return all((path / f).is_file() for f in PROJECT_FILES) and all(
        (path / d).is_dir() for d in PROJECT_DIRS
    )


def bundled_dir() -> Path | None:
    """The project inside the installed package (a wheel), else None."""
    path = Path(__file__).resolve().parent / "sqitch"
    return path if _is_project(path) else None


def checkout_dir() -> Path | None:
    """The checkout this package runs from (``client/animus`` in it), else None."""
    root = Path(__file__).resolve().parents[2]
    return root if _is_project(root) and (root / "client" / "animus").is_dir() else None


def project_dir() -> Path | None:
    """The Sqitch project of this client: bundled in the wheel, else the checkout's."""
    return bundled_dir() or checkout_dir()


@dataclass(frozen=True)
class Release:
    """Where a sequence of changes stands: the newest release tag and what follows it."""

    #: ``v0.3.0``; None before the first tag (or when not known)
    tag: str | None
    #: changes after that tag
    later: int
    #: all changes (a reworked change counts once per version, as Sqitch's registry does)
    changes: int

    def describe(self) -> str:
        """``v0.3.0``, or ``v0.3.0 + 9 changes`` when unreleased changes follow the tag."""
        base = self.tag or "no release tag"
        return f"{base} + {self.later} change{'s' * (self.later != 1)}" if self.later else base


@dataclass(frozen=True)
class Plan:
    """A ``sqitch.plan``: its changes in order (a reworked change once per version) and the
    release tags, each with the number of changes before it."""

    changes: tuple[str, ...]
    #: (tag, changes before it), in plan order
    tags: tuple[tuple[str, int], ...]

    def release(self, deployed: int | None = None) -> Release:
        """The release after the first ``deployed`` changes (default: all of them)."""
        n = len(self.changes) if deployed is None else deployed
        tag, at = None, 0
        for name, position in self.tags:
            if position <= n:
                tag, at = name, position
        return Release(tag, n - at, n)


def read_plan(path: Path) -> Plan:
    """Parse ``path`` (a ``sqitch.plan``): change lines and ``@vX.Y.Z`` release tags."""
    changes: list[str] = []
    tags: list[tuple[str, int]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith(("%", "#")):
            continue
        match = _TAG.match(text)
        if match:
            tags.append((match.group(1), len(changes)))
        elif not text.startswith("@"):  # another tag is no release
            changes.append(text.split()[0].lstrip("+"))
    return Plan(tuple(changes), tuple(tags))


__all__ = [
    "PROJECT_DIRS",
    "PROJECT_FILES",
    "Plan",
    "Release",
    "bundled_dir",
    "checkout_dir",
    "project_dir",
    "read_plan",
]

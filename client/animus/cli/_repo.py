"""Finding the animus checkout and its embedded cluster (``script/db``) from the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from ..errors import AnimusError

#: Exit code of ``script/db`` (and of the CLI) when the embedded cluster is not running.
NOT_RUNNING = 3


class NotACheckout(AnimusError):
    """The command needs the animus source tree (``script/db``) and none was found."""


class ClusterNotRunning(AnimusError):
    """The command defaults to the embedded cluster, and it is not running (exit 3)."""


def _is_root(path: Path) -> bool:
    return (path / "script" / "db").is_file() and (path / "sqitch.plan").is_file()


def find_root() -> Path | None:
    """The animus checkout: ``$ANIMUS_HOME``, else the first ancestor of the working directory,
    else of this package's files, that holds ``script/db`` and ``sqitch.plan``."""
    home = os.environ.get("ANIMUS_HOME")
    if home:
        path = Path(home).expanduser().resolve()
        return path if _is_root(path) else None
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for path in (start, *start.parents):
            if _is_root(path):
                return path
    return None


def require_root() -> Path:
    root = find_root()
    if root is None:
        where = os.environ.get("ANIMUS_HOME")
        raise NotACheckout(
            f"ANIMUS_HOME={where} is not an animus checkout (no script/db)"
            if where
            else "not inside an animus checkout: the embedded cluster is managed by script/db",
            hint="run from the source tree, or set ANIMUS_HOME to it; with your own "
            "PostgreSQL, deploy the schema with animus db deploy --url URL, then pass --url or "
            "set DATABASE_URL",
        )
    return root


def script_db(*args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``script/db ARGS`` of the checkout (its output goes to the terminal unless
    ``capture``)."""
    root = require_root()
    command = [str(root / "script" / "db"), *args]
    if capture:
        return subprocess.run(command, cwd=root, text=True, capture_output=True, check=False)
    # Ctrl-C at the terminal reaches the child too (psql cancels its query with it); the CLI
    # must not die of it and take the child down, so it waits for the child's own exit. A
    # Python handler, unlike SIG_IGN, is not inherited: the child keeps the default action.
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        return subprocess.run(command, cwd=root, text=True, check=False)
    finally:
        signal.signal(signal.SIGINT, previous)


def embedded_url() -> str | None:
    """The embedded cluster's URL (``script/db url``) when in a checkout, else None."""
    if find_root() is None:
        return None
    proc = script_db("url", capture=True)
    url = proc.stdout.strip()
    return url if proc.returncode == 0 and url else None


def cluster_running() -> bool:
    """Whether ``script/db status`` finds the embedded cluster running."""
    return script_db("status", capture=True).returncode == 0


__all__ = [
    "NOT_RUNNING",
    "ClusterNotRunning",
    "NotACheckout",
    "cluster_running",
    "embedded_url",
    "find_root",
    "require_root",
    "script_db",
]

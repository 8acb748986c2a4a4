"""Human-readable tables and ``--json`` output."""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TextIO

#: Cells longer than this are cut in tables (``--json`` prints them whole).
MAX_CELL = 72


def _json_default(value: object) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def cell(value: Any) -> str:
    """One table cell: short, on one line."""
    if value is None:
        text = ""
    elif isinstance(value, float):
        text = f"{value:.4f}"
    elif isinstance(value, dt.datetime):
        text = value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    elif isinstance(value, dt.timedelta):
        text = _duration(value)
    elif isinstance(value, dict | list):
        text = to_json(value)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _duration(delta: dt.timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 120:
        return f"{seconds:.1f}s"
    if seconds < 7200:
        return f"{seconds / 60:.1f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], out: TextIO) -> None:
    """Print ``rows`` as an aligned table of ``columns``; "(no rows)" when empty."""
    if not rows:
        print("(no rows)", file=out)
        return
    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip(), file=out)


def record(row: Mapping[str, Any], out: TextIO) -> None:
    """Print one row as ``key: value`` lines."""
    width = max((len(k) for k in row), default=0)
    for key, value in row.items():
        text = to_json(value) if isinstance(value, dict | list) else cell(value)
        print(f"{key.ljust(width)}  {text}", file=out)


class Output:
    """Where a command prints: a table for people, JSON for scripts (``--json``)."""

    def __init__(self, as_json: bool, out: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out or sys.stdout

    def rows(self, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
        if self.as_json:
            print(to_json([dict(r) for r in rows]), file=self.out)
        else:
            table(rows, columns, self.out)

    def one(self, row: Mapping[str, Any]) -> None:
        if self.as_json:
            print(to_json(dict(row)), file=self.out)
        else:
            record(row, self.out)

    def line(self, text: str, data: Mapping[str, Any] | None = None) -> None:
        """A message for people, or ``data`` as one JSON object."""
        if self.as_json:
            if data is not None:
                print(to_json(dict(data)), file=self.out)
        else:
            print(text, file=self.out)


class Progress:
    """A progress bar on stderr: redrawn in place on a terminal, one line per update otherwise."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.done = 0
        self._tty = self.stream.isatty()

    def advance(self, n: int) -> None:
        self.done += n
        self._draw(final=self.done >= self.total)

    def _draw(self, final: bool) -> None:
        width = 30
        filled = width if self.total == 0 else int(width * self.done / self.total)
        percent = 100 if self.total == 0 else int(100 * self.done / self.total)
        bar = f"{self.label} [{'#' * filled}{'.' * (width - filled)}] "
        bar += f"{self.done}/{self.total} {percent:3d}%"
        if self._tty:
            self.stream.write("\r" + bar + ("\n" if final else ""))
        else:
            self.stream.write(bar + "\n")
        self.stream.flush()


__all__ = ["MAX_CELL", "Output", "Progress", "cell", "record", "table", "to_json"]

"""The no-op handler bench/peers.py gives ``animus work run --handler noop_handler:handle``.

It reports the first, every n/20th and the last item it is handed (``BENCH_N``) on stderr, as
the peers' handlers do, so every worker is timed from its first job to its last.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

_N = int(os.environ.get("BENCH_N", "0"))
_EVERY = max(1, _N // 20)
_count = 0


async def handle(db: Any, item: Any) -> None:
    global _count
    _count += 1
    if _count == 1 or _count % _EVERY == 0 or _count == _N:
        sys.stderr.write("BENCH " + json.dumps({"progress": _count}) + "\n")
        sys.stderr.flush()

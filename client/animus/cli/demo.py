"""``animus demo``: the end-to-end demo (``animus.demo``) on a deployed database."""

from __future__ import annotations

import argparse
from typing import Any

from ._args import add_command
from ._connect import cluster_errors, resolve_target
from ._errors import EXIT_OK
from ._output import Output


async def demo(args: argparse.Namespace, out: Output) -> int:
    from ..demo import run_demo

    target = resolve_target(args)
    with cluster_errors(target):
        await run_demo(target.url, queue=args.queue, out=out.out)
    return EXIT_OK


def configure_demo_parser(groups: Any) -> None:
    parser = add_command(
        groups,
        "demo",
        "run the end-to-end demo: queue, dedup, a worker, memory, hybrid search, trace tree",
        demo,
        description="Run the end-to-end demo on a deployed database (script/demo sets up, "
        "deploys and runs this): it creates a queue, submits work (one submission merges by "
        "dedup key), runs a worker that embeds each item and stores it as a memory, runs a "
        "hybrid search, and prints each step and the trace tree. It uses the local embedder "
        "and can be run again and again.",
    )
    parser.add_argument("--queue", default="demo", help="queue to use (default: demo)")


__all__ = ["configure_demo_parser"]

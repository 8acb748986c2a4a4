"""Render finished spans as an indented text tree (for the docs, the demo and test failures)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

__all__ = ["render_span_tree"]

#: Attributes shown after a span's name, when present, in this order.
DEFAULT_ATTRIBUTES: tuple[str, ...] = (
    "messaging.operation.name",
    "messaging.batch.message_count",
    "animus.work.type",
    "gen_ai.provider.name",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "db.statement",
    "error.type",
)


def _kind(span: ReadableSpan) -> str:
    return span.kind.name if span.kind is not None else "INTERNAL"


def _short(value: object, width: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _ms(span: ReadableSpan) -> float:
    return ((span.end_time or 0) - (span.start_time or 0)) / 1e6


def render_span_tree(
    spans: Iterable[ReadableSpan],
    attributes: Sequence[str] = DEFAULT_ATTRIBUTES,
    *,
    statement_width: int = 60,
    label: Callable[[ReadableSpan], str] | None = None,
    timings: bool = False,
    fold: bool = False,
) -> str:
    """The spans as one indented tree per trace, children in start order.

    Each line is ``name [KIND]`` plus the listed ``attributes`` present on the span (a long
    ``db.statement`` is cut to ``statement_width``), or ``label(span)`` when given; a span with
    links gets ``-> linked to <name>`` (or the span id when the linked span is not among
    ``spans``). Traces are numbered in the order of their first span, so the output carries no
    ids and reads the same each run.

    ``timings`` adds each span's duration (and ``ERROR`` for a failed span), which differ from
    run to run: for people, not for comparisons. ``fold`` prints consecutive siblings with the
    same line and no children or links once, as ``line (xN)`` with their summed duration.
    """
    spans = sorted(spans, key=lambda s: s.start_time or 0)
    by_id = {s.context.span_id: s for s in spans if s.context is not None}
    children: dict[int, list[ReadableSpan]] = {}
    roots: list[ReadableSpan] = []
    for span in spans:
        parent = span.parent.span_id if span.parent is not None else None
        if parent is not None and parent in by_id:
            children.setdefault(parent, []).append(span)
        else:
            roots.append(span)

    trace_numbers: dict[int, int] = {}
    for span in spans:
        if span.context is not None:
            trace_numbers.setdefault(span.context.trace_id, len(trace_numbers) + 1)

    def describe(span: ReadableSpan) -> str:
        if label is not None:
            return label(span)
        attrs = span.attributes or {}
        shown = [
            f"{key}={_short(attrs[key], statement_width)!s}"
            for key in attributes
            if key in attrs and attrs[key] is not None
        ]
        text = f"{span.name} [{_kind(span)}]"
        if shown:
            text += "  " + " ".join(shown)
        return text

    def links(span: ReadableSpan) -> str:
        text = ""
        for link in span.links:
            target = by_id.get(link.context.span_id)
            if target is not None:
                where = trace_numbers.get(link.context.trace_id)
                text += f"  -> linked to '{target.name}' (trace {where})"
            else:
                text += f"  -> linked to span {link.context.span_id:016x}"
        return text

    def kids(span: ReadableSpan) -> list[ReadableSpan]:
        return children.get(span.context.span_id, []) if span.context is not None else []

    def foldable(span: ReadableSpan) -> bool:
        return fold and not span.links and not kids(span)

    lines: list[str] = []

    def walk(siblings: Sequence[ReadableSpan], depth: int) -> None:
        i = 0
        while i < len(siblings):
            span, text = siblings[i], describe(siblings[i])
            j = i + 1
            if foldable(span):
                while j < len(siblings) and foldable(siblings[j]) and describe(siblings[j]) == text:
                    j += 1
            group = siblings[i:j]
            if len(group) > 1:
                text += f" (x{len(group)})"
            if timings:
                text += f"  {sum(_ms(s) for s in group):.1f} ms"
                if any(s.status.status_code == StatusCode.ERROR for s in group):
                    text += " ERROR"
            lines.append("  " * depth + text + links(span))
            walk(kids(span), depth + 1)
            i = j

    current_trace: int | None = None
    for root in sorted(
        roots,
        key=lambda s: trace_numbers.get(s.context.trace_id, 0) if s.context else 0,
    ):
        number = trace_numbers.get(root.context.trace_id) if root.context else None
        if number != current_trace:
            lines.append(f"trace {number}")
            current_trace = number
        walk([root], 1)
    return "\n".join(lines)

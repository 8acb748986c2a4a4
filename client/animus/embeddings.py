"""Embedders: the protocol the memory calls use, and its OpenAI-compatible implementation.

Two implementations exist: ``OpenAIEmbedder`` here (any OpenAI-compatible endpoint through the
``openai`` SDK) and ``LocalEmbedder`` in ``animus.local_embedder`` (offline MiniLM; the ``local``
extra). Both have ``model``, ``provider``, ``dimensions`` and ``async embed(texts)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError, EmbeddingDimensionMismatch, ProviderError
from .telemetry.genai import genai_operation

if TYPE_CHECKING:
    # The openai SDK takes half a second to import: it loads when an OpenAIEmbedder is made.
    import openai
    from pydantic import SecretStr

    from .config import Config


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors of ``dimensions`` floats, in input order."""

    @property
    def model(self) -> str: ...

    @property
    def provider(self) -> str: ...

    @property
    def dimensions(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class OpenAIEmbedder:
    """Embeddings from any OpenAI-compatible ``/embeddings`` endpoint (OpenAI, Azure, Ollama,
    vLLM, LM Studio...), with the SDK's retries (429 and 5xx, honouring Retry-After) and timeouts.

    Texts are sent in batches of ``batch_size``, at most ``max_concurrency`` requests at a time.
    ``request_dimensions=False`` leaves ``dimensions`` out of the request, for endpoints and
    models that reject it; the response length is checked against ``dimensions`` either way.
    SDK errors that survive the retries surface as ``animus.errors.ProviderError``.

    Each request is an ``embeddings {model}`` span (GenAI conventions) with the response model
    and input tokens, timed into ``gen_ai.client.operation.duration``; a failed request carries
    the SDK error's class as ``error.type``.
    """

    #: It makes its own GenAI spans, so :func:`traced_embed` does not wrap it.
    emits_genai_spans = True

    def __init__(
        self,
        model: str,
        dimensions: int,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        provider: str = "openai",
        batch_size: int = 256,
        max_concurrency: int = 4,
        max_retries: int = 2,
        timeout: float = 60.0,
        request_dimensions: bool = True,
        client: openai.AsyncOpenAI | None = None,
    ) -> None:
        if dimensions < 1:
            raise ValueError("dimensions must be positive")
        if batch_size < 1 or max_concurrency < 1:
            raise ValueError("batch_size and max_concurrency must be positive")
        self._model = model
        self._dimensions = dimensions
        self._provider = provider
        self.batch_size = batch_size
        self.max_concurrency = max_concurrency
        self._request_dimensions = request_dimensions
        import openai

        if client is None:
            key = api_key if isinstance(api_key, str | None) else api_key.get_secret_value()
            try:
                client = openai.AsyncOpenAI(
                    api_key=key, base_url=base_url, max_retries=max_retries, timeout=timeout
                )
            except openai.OpenAIError:
                raise ConfigError(["OPENAI_API_KEY: required for OpenAIEmbedder"]) from None
        self._client = client

    @classmethod
    def from_config(cls, config: Config) -> OpenAIEmbedder:
        if config.embedding_dimensions is None:
            raise ConfigError(["ANIMUS_EMBEDDING_DIMENSIONS: required for the openai embedder"])
        return cls(
            config.embedding_model,
            config.embedding_dimensions,
            api_key=config.require_openai_key(),
            base_url=config.openai_base_url,
            max_retries=config.llm_max_retries,
            timeout=config.llm_timeout_seconds,
        )

    @property
    def model(self) -> str:
        return self._model

    @property
    def provider(self) -> str:
        return self._provider

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def __repr__(self) -> str:
        return (
            f"OpenAIEmbedder(model={self._model!r}, dimensions={self._dimensions}, "
            f"base_url={_public_url(str(self._client.base_url))!r})"
        )

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not one string")
        batches = [
            list(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)
        ]
        # A semaphore per call: one made in __init__ would bind to the first event loop it meets.
        limit = asyncio.Semaphore(self.max_concurrency)
        results = await asyncio.gather(*(self._embed_batch(batch, limit) for batch in batches))
        return [vector for batch in results for vector in batch]

    async def _embed_batch(self, batch: list[str], limit: asyncio.Semaphore) -> list[list[float]]:
        async with limit:
            response = await self._request(batch)
        vectors = [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        if len(vectors) != len(batch):
            raise ProviderError(
                f"{self._provider} returned {len(vectors)} embeddings for {len(batch)} texts"
            )
        for vector in vectors:
            if len(vector) != self._dimensions:
                raise EmbeddingDimensionMismatch(
                    f"{self._provider} model {self._model!r} returned {len(vector)} dimensions, "
                    f"expected {self._dimensions}",
                    expected=self._dimensions,
                    actual=len(vector),
                    hint="set dimensions to what the model returns, or request_dimensions=True",
                )
        return vectors

    async def _request(self, batch: list[str]) -> openai.types.CreateEmbeddingResponse:
        """One embeddings request, under its ``embeddings {model}`` span."""
        import openai

        try:
            with genai_operation("embeddings", self._model, self._provider) as op:
                if self._request_dimensions:
                    response = await self._client.embeddings.create(
                        model=self._model,
                        input=batch,
                        dimensions=self._dimensions,
                        encoding_format="float",
                    )
                else:
                    response = await self._client.embeddings.create(
                        model=self._model, input=batch, encoding_format="float"
                    )
                if response.model:
                    op.set_response_model(response.model)
                if response.usage is not None:
                    op.record_usage(input=response.usage.prompt_tokens)
            return response
        except openai.APIStatusError as exc:
            raise ProviderError(
                f"{self._provider} embeddings failed with HTTP {exc.status_code}: {exc.message}",
                status_code=exc.status_code,
            ) from exc
        except openai.APIConnectionError as exc:
            # The SDK says only "Connection error.": name the endpoint (never the key).
            where = _public_url(str(self._client.base_url))
            raise ProviderError(
                f"{self._provider} embeddings failed: cannot reach {where} ({exc.message})",
                hint="check OPENAI_BASE_URL (the API root, e.g. https://api.openai.com/v1/) "
                "and that the server answers there",
            ) from exc
        except openai.APIError as exc:
            raise ProviderError(f"{self._provider} embeddings failed: {exc.message}") from exc


def _public_url(url: str) -> str:
    """``url`` without user info, query or fragment: what may be shown in an error."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


async def traced_embed(embedder: Embedder, texts: Sequence[str]) -> list[list[float]]:
    """``embedder.embed(texts)`` under an ``embeddings {model}`` span and duration metric.

    The memory calls embed through this, so any embedder (``LocalEmbedder``, provider
    ``local``, or your own) shows up in the trace; one that makes its own GenAI spans (a true
    ``emits_genai_spans`` attribute, like ``OpenAIEmbedder``) is called as it is.
    """
    if getattr(embedder, "emits_genai_spans", False):
        return await embedder.embed(texts)
    with genai_operation("embeddings", embedder.model, embedder.provider):
        return await embedder.embed(texts)


def local_embedder_class() -> type[Embedder]:
    """``LocalEmbedder``, imported on first use so the core install needs no onnxruntime."""
    from .local_embedder import LocalEmbedder

    return LocalEmbedder


def embedder_from_config(config: Config) -> Embedder:
    """The embedder ``config.embedding_provider`` names (``local`` needs the ``local`` extra)."""
    if config.embedding_provider == "openai":
        return OpenAIEmbedder.from_config(config)
    return local_embedder_class()()


__all__ = [
    "Embedder",
    "OpenAIEmbedder",
    "embedder_from_config",
    "local_embedder_class",
    "traced_embed",
]

"""OpenAIEmbedder through the real openai SDK, over HTTP to a local OpenAI-compatible server."""

from __future__ import annotations

import time

import openai
import pytest

from animus import Config, OpenAIEmbedder, embedder_from_config
from animus.errors import ConfigError, EmbeddingDimensionMismatch, ProviderError

from .openai_server import EMBEDDINGS, OpenAIServer, error_body, fake_embedding, openai_server

pytestmark = pytest.mark.unit  # no database: the fast lane (pytest -m unit)

__all__ = ["openai_server"]


def make(server: OpenAIServer, **kwargs: object) -> OpenAIEmbedder:
    options: dict[str, object] = {"api_key": "sk-test-embed", "base_url": server.base_url}
    options.update(kwargs)
    return OpenAIEmbedder("text-embedding-3-small", 16, **options)  # type: ignore[arg-type]


async def test_embeds_in_input_order_in_batches(openai_server: OpenAIServer) -> None:
    texts = [f"text {i}" for i in range(5)]
    embedder = make(openai_server, batch_size=2)

    vectors = await embedder.embed(texts)

    assert vectors == [pytest.approx(fake_embedding(t, 16)) for t in texts]
    sent = openai_server.requests_to(EMBEDDINGS)
    assert sorted(len(r.body["input"]) for r in sent) == [1, 2, 2]
    assert sorted(t for r in sent for t in r.body["input"]) == sorted(texts)
    for request in sent:
        assert request.body["model"] == "text-embedding-3-small"
        assert request.body["dimensions"] == 16
        assert request.body["encoding_format"] == "float"
        assert request.headers["authorization"] == "Bearer sk-test-embed"


async def test_response_order_follows_index_not_position(openai_server: OpenAIServer) -> None:
    openai_server.script(
        EMBEDDINGS,
        body={
            "object": "list",
            "model": "m",
            "data": [
                {"object": "embedding", "index": 1, "embedding": [0.0] * 15 + [1.0]},
                {"object": "embedding", "index": 0, "embedding": [1.0] + [0.0] * 15},
            ],
            "usage": {"prompt_tokens": 2, "total_tokens": 2},
        },
    )
    first, second = await make(openai_server).embed(["a", "b"])
    assert first[0] == 1.0 and second[15] == 1.0


async def test_request_dimensions_false_leaves_them_out(openai_server: OpenAIServer) -> None:
    openai_server.script(
        EMBEDDINGS,
        body={
            "object": "list",
            "model": "m",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.25] * 16}],
            "usage": {"prompt_tokens": 1, "total_tokens": 1},
        },
    )
    await make(openai_server, request_dimensions=False).embed(["x"])
    assert "dimensions" not in openai_server.requests[0].body


async def test_wrong_dimension_from_the_provider_is_caught(openai_server: OpenAIServer) -> None:
    openai_server.script(
        EMBEDDINGS,
        body={
            "object": "list",
            "model": "m",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.5] * 8}],
            "usage": {"prompt_tokens": 1, "total_tokens": 1},
        },
    )
    with pytest.raises(EmbeddingDimensionMismatch) as caught:
        await make(openai_server).embed(["x"])
    assert (caught.value.expected, caught.value.actual) == (16, 8)


async def test_429_with_retry_after_is_retried_by_the_sdk(openai_server: OpenAIServer) -> None:
    openai_server.script(
        EMBEDDINGS,
        429,
        error_body("slow down", "rate_limit_exceeded"),
        headers={"retry-after": "0.3"},
    )
    started = time.monotonic()
    vectors = await make(openai_server, max_retries=2).embed(["after the limit"])
    elapsed = time.monotonic() - started

    assert vectors == [pytest.approx(fake_embedding("after the limit", 16))]
    assert len(openai_server.requests_to(EMBEDDINGS)) == 2
    assert elapsed >= 0.3, "the SDK must wait for Retry-After before retrying"


async def test_500_surfaces_as_provider_error_after_the_retries(
    openai_server: OpenAIServer,
) -> None:
    for _ in range(2):
        openai_server.script(EMBEDDINGS, 500, error_body("upstream exploded"))
    with pytest.raises(ProviderError) as caught:
        await make(openai_server, max_retries=1).embed(["x"])

    assert caught.value.status_code == 500
    assert "upstream exploded" in str(caught.value)
    assert isinstance(caught.value.__cause__, openai.InternalServerError)
    assert len(openai_server.requests_to(EMBEDDINGS)) == 2, "one try plus one retry"


async def test_400_is_not_retried(openai_server: OpenAIServer) -> None:
    openai_server.script(EMBEDDINGS, 400, error_body("bad input", "invalid_request_error"))
    with pytest.raises(ProviderError) as caught:
        await make(openai_server, max_retries=3).embed(["x"])
    assert caught.value.status_code == 400
    assert len(openai_server.requests_to(EMBEDDINGS)) == 1


async def test_timeout_surfaces_as_provider_error() -> None:
    # A port nobody listens on: the connection is refused; after no retries, one clear error.
    embedder = OpenAIEmbedder(
        "m", 4, api_key="k", base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=2.0
    )
    with pytest.raises(ProviderError) as caught:
        await embedder.embed(["x"])
    assert caught.value.status_code is None
    assert isinstance(caught.value.__cause__, openai.APIConnectionError)


async def test_from_config_uses_the_key_and_never_shows_it(
    openai_server: OpenAIServer,
) -> None:
    config = Config(
        database_url="postgresql://u:pw@localhost/db",
        embedding_provider="openai",
        embedding_dimensions=16,
        openai_api_key="sk-from-config",
        openai_base_url=openai_server.base_url,
    )
    embedder = embedder_from_config(config)
    await embedder.embed(["hello"])

    assert openai_server.requests[0].headers["authorization"] == "Bearer sk-from-config"
    assert "sk-from-config" not in repr(embedder)


def test_from_config_requires_the_dimensions() -> None:
    config = Config(database_url="postgresql://localhost/db", openai_api_key="k")
    with pytest.raises(ConfigError, match="ANIMUS_EMBEDDING_DIMENSIONS"):
        OpenAIEmbedder.from_config(config)


async def test_empty_input_sends_nothing(openai_server: OpenAIServer) -> None:
    assert await make(openai_server).embed([]) == []
    assert openai_server.requests == []

"""ChatModel through the real openai SDK, over HTTP to a local OpenAI-compatible server."""

from __future__ import annotations

import openai
import pytest

from animus import ChatModel, Config, TokenUsage
from animus.errors import ConfigError, ProviderError

from .openai_server import CHAT, OpenAIServer, chat_response, error_body, openai_server

pytestmark = pytest.mark.unit  # no database: the fast lane (pytest -m unit)

__all__ = ["openai_server"]


def make(server: OpenAIServer, **kwargs: object) -> ChatModel:
    options: dict[str, object] = {"api_key": "sk-test-chat", "base_url": server.base_url}
    options.update(kwargs)
    return ChatModel("gpt-test", **options)  # type: ignore[arg-type]


async def test_returns_text_model_and_usage_with_cache_counts(
    openai_server: OpenAIServer,
) -> None:
    openai_server.script(
        CHAT,
        body=chat_response(
            "hello there",
            model="gpt-test-2026",
            usage={
                "prompt_tokens": 1200,
                "completion_tokens": 40,
                "total_tokens": 1240,
                "prompt_tokens_details": {"cached_tokens": 1024, "cache_write_tokens": 128},
            },
        ),
    )
    result = await make(openai_server).complete(
        "say hi", system="be brief", max_tokens=50, temperature=0.0
    )

    assert result.text == "hello there"
    assert result.model == "gpt-test-2026"
    assert result.finish_reason == "stop"
    assert result.usage == TokenUsage(
        input_tokens=1200,
        output_tokens=40,
        cache_read_input_tokens=1024,
        cache_creation_input_tokens=128,
    )
    sent = openai_server.requests_to(CHAT)[0]
    assert sent.body["model"] == "gpt-test"
    assert sent.body["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "say hi"},
    ]
    assert sent.body["max_tokens"] == 50
    assert sent.body["temperature"] == 0.0
    assert sent.headers["authorization"] == "Bearer sk-test-chat"


async def test_usage_without_cache_details_reports_none(openai_server: OpenAIServer) -> None:
    result = await make(openai_server).complete([{"role": "user", "content": "ping"}])
    assert result.text == "echo: ping"
    assert result.usage == TokenUsage(input_tokens=3, output_tokens=2)
    assert result.usage.cache_read_input_tokens is None


async def test_anthropic_cache_creation_field_is_read(openai_server: OpenAIServer) -> None:
    openai_server.script(
        CHAT,
        body=chat_response(
            "cached",
            usage={
                "prompt_tokens": 500,
                "completion_tokens": 5,
                "total_tokens": 505,
                "prompt_tokens_details": {"cached_tokens": 0},
                "cache_creation_input_tokens": 480,
            },
        ),
    )
    model = ChatModel.anthropic(
        "claude-test", api_key="sk-ant-test", base_url=openai_server.base_url
    )
    result = await model.complete("x")
    assert model.provider == "anthropic"
    assert result.usage.cache_read_input_tokens == 0
    assert result.usage.cache_creation_input_tokens == 480


async def test_from_config_anthropic_uses_the_anthropic_key(
    openai_server: OpenAIServer,
) -> None:
    config = Config(
        database_url="postgresql://localhost/db",
        chat_provider="anthropic",
        chat_model="claude-test",
        anthropic_api_key="sk-ant-from-config",
        openai_api_key="sk-openai-unused",
        anthropic_base_url=openai_server.base_url,
    )
    model = ChatModel.from_config(config)
    await model.complete("hi")

    sent = openai_server.requests_to(CHAT)[0]
    assert sent.headers["authorization"] == "Bearer sk-ant-from-config"
    assert sent.body["model"] == "claude-test"
    assert "sk-ant-from-config" not in repr(model)


def test_the_default_anthropic_endpoint_is_the_openai_compatible_one() -> None:
    model = ChatModel.anthropic("claude-test", api_key="k")
    assert str(model._client.base_url) == "https://api.anthropic.com/v1/"


def test_from_config_without_the_key_names_the_variable() -> None:
    config = Config(database_url="postgresql://localhost/db", chat_provider="anthropic")
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        ChatModel.from_config(config)


async def test_429_then_success(openai_server: OpenAIServer) -> None:
    openai_server.script(
        CHAT, 429, error_body("rate limited", "rate_limit_exceeded"), {"retry-after": "0.1"}
    )
    result = await make(openai_server).complete("again")
    assert result.text == "echo: again"
    assert len(openai_server.requests_to(CHAT)) == 2


async def test_500_path_raises_provider_error(openai_server: OpenAIServer) -> None:
    for _ in range(3):
        openai_server.script(CHAT, 500, error_body("boom"))
    with pytest.raises(ProviderError) as caught:
        await make(openai_server, max_retries=2).complete("x")
    assert caught.value.status_code == 500
    assert isinstance(caught.value.__cause__, openai.InternalServerError)
    assert len(openai_server.requests_to(CHAT)) == 3

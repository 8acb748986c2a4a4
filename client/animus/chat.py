"""Chat completions through the ``openai`` SDK: OpenAI, any OpenAI-compatible endpoint, and
Anthropic through its OpenAI-compatible endpoint.

``ChatModel.complete`` returns the text and the token usage, including cached-token counts, in
the shape the GenAI semantic conventions record (``gen_ai.usage.*``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import openai
from openai.types.chat import ChatCompletion
from pydantic import SecretStr

from .config import ANTHROPIC_OPENAI_BASE_URL
from .errors import ConfigError, ProviderError
from .telemetry.genai import genai_operation

if TYPE_CHECKING:
    from .config import Config


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Token counts of one call. Cache counts are None when the provider does not report them."""

    input_tokens: int
    output_tokens: int
    cache_read_input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class ChatResult:
    """The reply of one chat completion."""

    text: str
    model: str
    usage: TokenUsage
    finish_reason: str | None = None


Message = Mapping[str, Any]


class ChatModel:
    """A chat model behind an OpenAI-compatible ``/chat/completions`` endpoint.

    The SDK retries 429 (honouring Retry-After) and 5xx up to ``max_retries`` times; errors that
    survive surface as ``animus.errors.ProviderError``.

    Each request is a ``chat {model}`` span (GenAI conventions) with the response model and
    token usage (cache reads and writes included), timed into
    ``gen_ai.client.operation.duration``; a failed request carries the SDK error's class as
    ``error.type``.
    """

    def __init__(
        self,
        model: str,
        *,
        provider: str = "openai",
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        max_retries: int = 2,
        timeout: float = 60.0,
        client: openai.AsyncOpenAI | None = None,
    ) -> None:
        self.model = model
        self.provider = provider
        if client is None:
            key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
            try:
                client = openai.AsyncOpenAI(
                    api_key=key, base_url=base_url, max_retries=max_retries, timeout=timeout
                )
            except openai.OpenAIError:
                raise ConfigError([f"an API key is required for provider {provider!r}"]) from None
        self._client = client

    @classmethod
    def anthropic(
        cls,
        model: str,
        *,
        api_key: str | SecretStr,
        base_url: str = ANTHROPIC_OPENAI_BASE_URL,
        max_retries: int = 2,
        timeout: float = 60.0,
    ) -> ChatModel:
        """Claude through Anthropic's OpenAI-compatible endpoint."""
        return cls(
            model,
            provider="anthropic",
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            timeout=timeout,
        )

    @classmethod
    def from_config(cls, config: Config, model: str | None = None) -> ChatModel:
        """The chat model of ``config.chat_provider`` with its API key from the config."""
        chosen = model or config.chat_model
        if config.chat_provider == "anthropic":
            return cls.anthropic(
                chosen,
                api_key=config.require_anthropic_key(),
                base_url=config.anthropic_base_url,
                max_retries=config.llm_max_retries,
                timeout=config.llm_timeout_seconds,
            )
        return cls(
            chosen,
            api_key=config.require_openai_key(),
            base_url=config.openai_base_url,
            max_retries=config.llm_max_retries,
            timeout=config.llm_timeout_seconds,
        )

    def __repr__(self) -> str:
        return (
            f"ChatModel(model={self.model!r}, provider={self.provider!r}, "
            f"base_url={str(self._client.base_url)!r})"
        )

    async def complete(
        self,
        messages: str | Sequence[Message],
        *,
        system: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ChatResult:
        """One completion. ``messages`` is a user prompt or a list of ``{role, content}``."""
        conversation: list[Message] = []
        if system is not None:
            conversation.append({"role": "system", "content": system})
        if isinstance(messages, str):
            conversation.append({"role": "user", "content": messages})
        else:
            conversation.extend(messages)
        options: dict[str, Any] = {}
        if max_tokens is not None:
            options["max_tokens"] = max_tokens
        if temperature is not None:
            options["temperature"] = temperature
        response = await self._request(conversation, options)
        if not response.choices:
            raise ProviderError(f"{self.provider} returned no choices")
        choice = response.choices[0]
        return ChatResult(
            text=choice.message.content or "",
            model=response.model,
            usage=_usage(response),
            finish_reason=choice.finish_reason,
        )

    async def _request(self, messages: list[Message], options: dict[str, Any]) -> ChatCompletion:
        """One chat request, under its ``chat {model}`` span."""
        try:
            with genai_operation("chat", self.model, self.provider) as op:
                response = await self._client.chat.completions.create(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    **options,
                )
                if response.model:
                    op.set_response_model(response.model)
                if response.usage is not None:
                    usage = _usage(response)
                    op.record_usage(
                        usage.input_tokens,
                        usage.output_tokens,
                        cache_read=usage.cache_read_input_tokens or 0,
                        cache_create=usage.cache_creation_input_tokens or 0,
                    )
            return response
        except openai.APIStatusError as exc:
            raise ProviderError(
                f"{self.provider} chat failed with HTTP {exc.status_code}: {exc.message}",
                status_code=exc.status_code,
            ) from exc
        except openai.APIError as exc:
            raise ProviderError(f"{self.provider} chat failed: {exc.message}") from exc


def _usage(response: ChatCompletion) -> TokenUsage:
    usage = response.usage
    if usage is None:
        return TokenUsage(input_tokens=0, output_tokens=0)
    details = usage.prompt_tokens_details
    cache_read = details.cached_tokens if details is not None else None
    cache_creation = details.cache_write_tokens if details is not None else None
    if cache_creation is None:
        # Providers that pass Anthropic's own field through put it on the usage object.
        extra = usage.model_extra or {}
        raw = extra.get("cache_creation_input_tokens")
        cache_creation = raw if isinstance(raw, int) else None
    return TokenUsage(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        cache_read_input_tokens=cache_read,
        cache_creation_input_tokens=cache_creation,
    )


__all__ = ["ChatModel", "ChatResult", "Message", "TokenUsage"]

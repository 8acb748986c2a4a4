"""Typed configuration from the environment (and ``.env`` for local development).

``Config.from_env()`` validates everything at once and fails fast with one message that names
every missing or invalid variable. Secrets (the database URL, which may carry a password, and the
API keys) are ``SecretStr``: they print as ``**********`` and never appear in an exception.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from .database_url import (
    URL_DRIVERS,
    URL_SCHEMES,
    database_url_from_env,
    normalize_database_url,
    normalize_url,
)
from .errors import ConfigError

#: Anthropic's OpenAI-compatible endpoint, used by ChatModel for provider "anthropic".
ANTHROPIC_OPENAI_BASE_URL = "https://api.anthropic.com/v1/"


def _env(name: str, *fallbacks: str) -> Any:
    """Accept ``ANIMUS_<NAME>`` first, then the conventional names other tools read."""
    return AliasChoices(f"ANIMUS_{name}", *fallbacks)


class Config(BaseSettings):
    """Everything the client reads from the environment."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        case_sensitive=False,
    )

    database_url: SecretStr = Field(
        validation_alias=_env("DATABASE_URL", "DATABASE_URL"),
        description="postgresql:// URL of the deployed animus database (may hold a password).",
    )
    read_database_url: SecretStr | None = Field(
        default=None,
        validation_alias=_env("READ_DATABASE_URL"),
        description="postgresql:// URL of a streaming replica (hot standby) that serves the "
        "memory searches and overviews; writes and queue calls always use database_url.",
    )
    pool_min_size: int = Field(default=1, ge=0, validation_alias=_env("POOL_MIN_SIZE"))
    pool_max_size: int = Field(default=10, ge=1, validation_alias=_env("POOL_MAX_SIZE"))

    embedding_provider: Literal["local", "openai"] = Field(
        default="local", validation_alias=_env("EMBEDDING_PROVIDER")
    )
    embedding_model: str = Field(
        default="text-embedding-3-small", validation_alias=_env("EMBEDDING_MODEL")
    )
    embedding_dimensions: int | None = Field(
        default=None, ge=1, le=4000, validation_alias=_env("EMBEDDING_DIMENSIONS")
    )

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=_env("OPENAI_BASE_URL", "OPENAI_BASE_URL")
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY")
    )
    anthropic_base_url: str = Field(
        default=ANTHROPIC_OPENAI_BASE_URL, validation_alias=_env("ANTHROPIC_BASE_URL")
    )
    chat_provider: Literal["openai", "anthropic"] = Field(
        default="openai", validation_alias=_env("CHAT_PROVIDER")
    )
    chat_model: str = Field(default="gpt-4o-mini", validation_alias=_env("CHAT_MODEL"))

    llm_timeout_seconds: float = Field(default=60.0, gt=0, validation_alias=_env("LLM_TIMEOUT"))
    llm_max_retries: int = Field(default=2, ge=0, validation_alias=_env("LLM_MAX_RETRIES"))

    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=_env("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
    )
    service_name: str = Field(
        default="animus", validation_alias=_env("SERVICE_NAME", "OTEL_SERVICE_NAME")
    )

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            # ``from None``: the pydantic error embeds the input values, which may be secrets.
            raise ConfigError(_describe(exc)) from None

    @field_validator("database_url", "read_database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        # BadUrl's message never echoes the value: it may contain a password.
        if value is None:
            return None
        return SecretStr(normalize_url(value.get_secret_value()))

    @model_validator(mode="after")
    def _pool_sizes(self) -> Config:
        if self.pool_min_size > self.pool_max_size:
            raise ValueError("ANIMUS_POOL_MIN_SIZE must not exceed ANIMUS_POOL_MAX_SIZE")
        return self

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env") -> Config:
        """Load the environment (plus ``env_file`` when it exists) and validate all of it.

        Raises ``ConfigError`` naming every missing or invalid variable, without their values.
        """
        return cls(_env_file=env_file)

    def require_openai_key(self) -> SecretStr:
        if self.openai_api_key is None:
            raise ConfigError(["OPENAI_API_KEY (or ANIMUS_OPENAI_API_KEY): required"])
        return self.openai_api_key

    def require_anthropic_key(self) -> SecretStr:
        if self.anthropic_api_key is None:
            raise ConfigError(["ANTHROPIC_API_KEY (or ANIMUS_ANTHROPIC_API_KEY): required"])
        return self.anthropic_api_key


def _describe(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        names = _variable_names(str(error["loc"][0])) if error["loc"] else "configuration"
        reason = "required" if error["type"] == "missing" else error["msg"]
        problems.append(f"{names}: {reason}")
    return problems


def _variable_names(loc: str) -> str:
    """All the variable names of the field that pydantic reports under its first alias."""
    for name, info in Config.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            choices = [str(choice) for choice in alias.choices]
            if loc in choices or loc == name:
                return " or ".join(dict.fromkeys(choices))
    return loc.upper()


__all__ = [
    "ANTHROPIC_OPENAI_BASE_URL",
    "URL_DRIVERS",
    "URL_SCHEMES",
    "Config",
    "database_url_from_env",
    "normalize_database_url",
]

"""Config: environment and .env loading, one error naming every bad variable, hidden secrets."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from animus import Config
from animus.errors import ConfigError

pytestmark = pytest.mark.unit  # no database: the fast lane (pytest -m unit)

ROOT = Path(__file__).resolve().parents[2]
SECRET_URL = "postgresql://agent:pg-secret-pw@db.internal:5432/animus"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No animus variable leaks in from the machine, and no .env from the working directory."""
    import os

    for name in list(os.environ):
        if name.startswith(("ANIMUS_", "OPENAI_", "ANTHROPIC_", "OTEL_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_reads_conventional_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", SECRET_URL)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318")
    monkeypatch.setenv("ANIMUS_POOL_MAX_SIZE", "7")

    config = Config.from_env()

    assert config.database_url.get_secret_value() == SECRET_URL
    assert config.openai_api_key is not None
    assert config.openai_api_key.get_secret_value() == "sk-openai-secret"
    assert config.anthropic_api_key is not None
    assert config.anthropic_api_key.get_secret_value() == "sk-ant-secret"
    assert config.otel_exporter_otlp_endpoint == "http://localhost:4318"
    assert config.pool_max_size == 7


def test_animus_prefix_wins_over_the_conventional_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://other/db")
    monkeypatch.setenv("ANIMUS_DATABASE_URL", SECRET_URL)
    assert Config.from_env().database_url.get_secret_value() == SECRET_URL


def test_loads_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DATABASE_URL={SECRET_URL}\nANIMUS_CHAT_MODEL=gpt-dotenv\n")
    config = Config.from_env()
    assert config.database_url.get_secret_value() == SECRET_URL
    assert config.chat_model == "gpt-dotenv"


def test_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("ANIMUS_CHAT_MODEL=from-file\nDATABASE_URL=postgresql://f/db\n")
    monkeypatch.setenv("ANIMUS_CHAT_MODEL", "from-env")
    assert Config.from_env().chat_model == "from-env"


def test_one_error_names_every_missing_or_invalid_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANIMUS_POOL_MAX_SIZE", "lots")
    monkeypatch.setenv("ANIMUS_EMBEDDING_PROVIDER", "carrier-pigeon")
    monkeypatch.setenv("ANIMUS_LLM_TIMEOUT", "-1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")

    with pytest.raises(ConfigError) as caught:
        Config.from_env()

    problems = caught.value.problems
    assert len(problems) == 4, problems
    message = str(caught.value)
    for name in (
        "DATABASE_URL",
        "ANIMUS_POOL_MAX_SIZE",
        "ANIMUS_EMBEDDING_PROVIDER",
        "ANIMUS_LLM_TIMEOUT",
    ):
        assert name in message
    assert "required" in message
    assert "sk-must-not-leak" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_bad_url_is_rejected_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root:hunter2@db/x")
    with pytest.raises(ConfigError) as caught:
        Config.from_env()
    assert "ANIMUS_DATABASE_URL or DATABASE_URL" in str(caught.value)
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(caught.value)


def test_secrets_never_appear_in_repr_str_or_logs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", SECRET_URL)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    config = Config.from_env()

    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("config: %s %r", config, config)
    dumped = config.model_dump_json()
    for text in (repr(config), str(config), caplog.text, dumped):
        for secret in ("pg-secret-pw", "sk-openai-secret", "sk-ant-secret"):
            assert secret not in text


def test_pool_sizes_must_be_consistent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", SECRET_URL)
    monkeypatch.setenv("ANIMUS_POOL_MIN_SIZE", "20")
    with pytest.raises(ConfigError, match="ANIMUS_POOL_MIN_SIZE must not exceed"):
        Config.from_env()


def test_env_example_documents_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    for name, info in Config.model_fields.items():
        alias = info.validation_alias
        names = [str(c) for c in alias.choices] if alias is not None else [name]  # type: ignore[union-attr]
        assert any(n in example for n in names), f"{name} is missing from .env.example"
    assert Config.from_env(env_file=ROOT / ".env.example").chat_provider == "openai"

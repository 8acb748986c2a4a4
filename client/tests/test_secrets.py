"""The database password and the API keys never show: not in logs (everything, at DEBUG), span
or log-record attributes, exception messages, reprs and tracebacks, nor in config reprs.

Each secret is a fresh random string, so finding it anywhere is a leak and not a coincidence.
"""

from __future__ import annotations

import logging
import socket
import traceback
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit, urlunsplit

import asyncpg
import pytest
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from animus import ChatModel, Config, ConfigError, Db, NewMemory, NewWorkItem, OpenAIEmbedder
from animus.errors import AnimusError, ProviderError
from animus.telemetry import TelemetryConfig, init_telemetry

from .openai_server import CHAT, EMBEDDINGS, OpenAIServer, error_body, openai_server

__all__ = ["openai_server"]

DB_PASSWORD = f"dbpw-{uuid.uuid4().hex}"
OPENAI_KEY = f"sk-openai-{uuid.uuid4().hex}"
ANTHROPIC_KEY = f"sk-ant-{uuid.uuid4().hex}"
SECRETS = (DB_PASSWORD, OPENAI_KEY, ANTHROPIC_KEY)


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))
        self.texts.append(repr(record.args))


@dataclass
class Evidence:
    logs: Collect
    spans: InMemorySpanExporter
    log_records: InMemoryLogRecordExporter
    texts: list[str] = field(default_factory=list)

    def exception(self, exc: BaseException) -> None:
        """Everything a caller could print of an exception, with its whole chain."""
        self.texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        cause = exc.__cause__ or exc.__context__
        while cause is not None:
            self.texts += [str(cause), repr(cause)]
            cause = cause.__cause__ or cause.__context__

    def everything(self) -> list[str]:
        out = list(self.texts) + self.logs.texts
        for span in self.spans.get_finished_spans():
            out.append(span.name)
            out.append(repr(dict(span.attributes or {})))
            out.append(repr(dict(span.resource.attributes)))
            out.append(repr(span.status.description))
            for event in span.events:
                out.append(event.name + repr(dict(event.attributes or {})))
        for data in self.log_records.get_finished_logs():
            record = data.log_record
            out.append(repr(record.body))
            out.append(repr(dict(record.attributes or {})))
        return out

    def assert_clean(self) -> None:
        everything = self.everything()
        assert len(everything) > 10, "the evidence was collected"
        assert self.logs.texts, "DEBUG logging was captured"
        for secret in SECRETS:
            leaks = [text for text in everything if secret in text]
            assert not leaks, f"a secret leaked into: {leaks[0][:500]}"


@pytest.fixture
def evidence() -> Iterator[Evidence]:
    spans, logs = InMemorySpanExporter(), InMemoryLogRecordExporter()
    config = TelemetryConfig(
        exporter="none",
        set_global=False,
        instrument_asyncpg=True,
        log_level=logging.DEBUG,
        span_exporters=[spans],
        metric_readers=[InMemoryMetricReader()],
        log_exporters=[logs],
    )
    collect = Collect()
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(collect)
    try:
        with init_telemetry(config) as guard:
            yield Evidence(collect, spans, logs)
            guard.force_flush()
    finally:
        root.removeHandler(collect)
        root.setLevel(old_level)


def tcp_url(database_url: str, user: str, password: str) -> str:
    """The database over TCP with a password (a unix socket may not ask for one)."""
    parts = urlsplit(database_url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    host = parts.hostname or "localhost"
    if host.startswith("/") or not parts.hostname:
        host = "localhost"
    port = query.get("port") or str(parts.port or 5432)
    return urlunsplit(("postgresql", f"{user}:{password}@{host}:{port}", parts.path, "", ""))


@pytest.fixture
async def password_role(database_url: str) -> AsyncIterator[str]:
    """A login role (animus_app) whose password is DB_PASSWORD; yields its TCP URL."""
    role = f"secret_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{DB_PASSWORD}' IN ROLE animus_app")
        yield tcp_url(database_url, role, DB_PASSWORD)
    finally:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role
        )
        await admin.execute(f"DROP OWNED BY {role}")
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_the_database_password_never_shows(
    password_role: str, openai_server: OpenAIServer, evidence: Evidence
) -> None:
    # evidence comes last: the role's own CREATE ROLE ... PASSWORD is the test's statement,
    # not the client's, and is made before the tracing starts.
    config = Config(database_url=password_role, openai_api_key=OPENAI_KEY)
    embedder = OpenAIEmbedder(
        "text-embedding-3-small",
        384,
        api_key=config.openai_api_key,
        base_url=openai_server.base_url,
    )
    async with await Db.connect(config, embedder=embedder) as db:
        evidence.texts += [repr(db), str(db), repr(db.pool)]
        queue = f"secrets_{uuid.uuid4().hex[:10]}"
        await db.create_queue(queue)
        await db.submit_work(NewWorkItem(queue_name=queue, work_type=queue, source="t"))
        (item,) = await db.read_work(queue, 30)
        await db.complete(item.id)
        await db.store_memories([NewMemory(content="a secret-free note", memory_type=queue)])
        await db.search_memory("note", 3)
        with pytest.raises(AnimusError) as bad:
            await db.create_queue("no; such queue")
        evidence.exception(bad.value)
        with pytest.raises(AnimusError) as denied:
            await db.requeue_dead(queue)
        evidence.exception(denied.value)

    wrong = password_role.replace(DB_PASSWORD, DB_PASSWORD[::-1])
    with pytest.raises(AnimusError) as refused:
        await Db.connect(Config(database_url=wrong))
    evidence.exception(refused.value)
    assert refused.value.sqlstate == "28P01"  # the password was checked, and refused

    unreachable = urlsplit(password_role)._replace(
        netloc=f"{urlsplit(password_role).username}:{DB_PASSWORD}@127.0.0.1:{closed_port()}"
    )
    with pytest.raises(AnimusError) as unreached:
        await Db.connect(urlunsplit(unreachable))
    evidence.exception(unreached.value)

    assert evidence.spans.get_finished_spans(), "the database calls were traced"
    evidence.assert_clean()


async def test_api_keys_never_show_in_provider_errors(
    evidence: Evidence, openai_server: OpenAIServer
) -> None:
    embedder = OpenAIEmbedder(
        "text-embedding-3-small",
        16,
        api_key=OPENAI_KEY,
        base_url=openai_server.base_url,
        max_retries=0,
    )
    chat = ChatModel.anthropic(
        "claude-test", api_key=ANTHROPIC_KEY, base_url=openai_server.base_url, max_retries=0
    )
    evidence.texts += [repr(embedder), repr(chat)]
    assert len(await embedder.embed(["ok"])) == 1
    await chat.complete("hello")

    openai_server.script(EMBEDDINGS, 401, error_body("Incorrect API key provided", "auth_error"))
    with pytest.raises(ProviderError) as unauthorised:
        await embedder.embed(["x"])
    evidence.exception(unauthorised.value)
    openai_server.script(CHAT, 500, error_body("upstream exploded"))
    with pytest.raises(ProviderError) as failed:
        await chat.complete("hello")
    evidence.exception(failed.value)

    sent = openai_server.requests_to(EMBEDDINGS)[0].headers
    assert OPENAI_KEY in sent.get("Authorization", sent.get("authorization", "")), (
        "the key really was in play"
    )
    evidence.assert_clean()


@pytest.mark.unit
def test_config_reprs_and_errors_hide_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"postgresql://agent:{DB_PASSWORD}@db.example.invalid:5432/animus"
    config = Config(database_url=url, openai_api_key=OPENAI_KEY, anthropic_api_key=ANTHROPIC_KEY)
    texts = [
        repr(config),
        str(config),
        f"{config}",
        config.model_dump_json(),
        repr(config.model_dump()),
        repr(OpenAIEmbedder.from_config(config.model_copy(update={"embedding_dimensions": 8}))),
        repr(ChatModel.from_config(config)),
        repr(ChatModel.from_config(config.model_copy(update={"chat_provider": "anthropic"}))),
    ]
    assert config.database_url.get_secret_value() == url, "the secret is still usable"

    monkeypatch.setenv("ANIMUS_DATABASE_URL", f"mysql://agent:{DB_PASSWORD}@h/db")
    monkeypatch.setenv("ANIMUS_POOL_MIN_SIZE", OPENAI_KEY)
    with pytest.raises(ConfigError) as invalid:
        Config.from_env(env_file=None)
    texts += [
        str(invalid.value),
        repr(invalid.value),
        "".join(traceback.format_exception(invalid.value)),
    ]
    assert "ANIMUS_DATABASE_URL" in str(invalid.value)

    for secret in SECRETS:
        assert not [t for t in texts if secret in t], f"{secret[:6]}... leaked"

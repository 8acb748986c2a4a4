"""TelemetryConfig: the OTEL_* variables that choose exporters and switch things off."""

from __future__ import annotations

import logging

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpans

from animus.telemetry import TelemetryConfig, _state, genai_operation, init_telemetry
from animus.telemetry.config import _otlp_span_exporter, otlp_protocol

from .otlp_receiver import otlp_http_receiver

pytestmark = pytest.mark.unit  # no database: the fast lane (pytest -m unit)


def test_protocol_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_PROTOCOL", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", raising=False)
    assert otlp_protocol("traces") == "http/protobuf"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    assert otlp_protocol("traces") == "grpc"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")
    assert otlp_protocol("traces") == "http/protobuf"
    assert otlp_protocol("metrics") == "grpc"
    assert otlp_protocol("traces", "grpc") == "grpc"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
    with pytest.raises(ValueError, match="grpc or http/protobuf"):
        otlp_protocol("logs")


def test_exporter_follows_the_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    grpc = _otlp_span_exporter(TelemetryConfig(otlp_endpoint="http://localhost:4317"))
    assert isinstance(grpc, GrpcSpans)
    grpc.shutdown()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    http = _otlp_span_exporter(TelemetryConfig(otlp_endpoint="http://localhost:4318"))
    assert isinstance(http, HttpSpans)
    assert http._endpoint == "http://localhost:4318/v1/traces"
    http.shutdown()


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "worker-7")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    monkeypatch.setenv("ANIMUS_OTEL_EXPORTER", "console")
    monkeypatch.setenv("ANIMUS_SQLCOMMENTER", "false")
    config = TelemetryConfig.from_env()
    assert (config.service_name, config.enabled, config.exporter, config.sqlcommenter) == (
        "worker-7",
        False,
        "console",
        False,
    )
    monkeypatch.setenv("ANIMUS_OTEL_EXPORTER", "jaeger")
    with pytest.raises(ValueError, match="ANIMUS_OTEL_EXPORTER must be otlp, console or none"):
        TelemetryConfig.from_env()


def test_per_signal_exporters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jaeger takes traces only: OTEL_METRICS_EXPORTER=none and OTEL_LOGS_EXPORTER=none."""
    for name in ("ANIMUS_OTEL_EXPORTER", "OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OTEL_METRICS_EXPORTER", "none")
    monkeypatch.setenv("OTEL_LOGS_EXPORTER", "none")
    config = TelemetryConfig.from_env()
    assert (config.exporter, config.traces_exporter) == ("otlp", None)
    assert (config.metrics_exporter, config.logs_exporter) == ("none", "none")
    paths = {}
    for overrides in ({}, {"metrics_exporter": "none", "logs_exporter": "none"}):
        with otlp_http_receiver() as receiver:
            config = TelemetryConfig(
                exporter="otlp",
                otlp_protocol="http/protobuf",
                otlp_endpoint=receiver.url,
                set_global=False,
                instrument_asyncpg=False,
                **overrides,  # type: ignore[arg-type]
            )
            with init_telemetry(config):
                with genai_operation("chat", "m", "p"):
                    logging.getLogger("animus.test").warning("exported or not")
        paths[bool(overrides)] = set(receiver.paths)
    assert paths[False] == {"/v1/traces", "/v1/metrics", "/v1/logs"}
    assert paths[True] == {"/v1/traces"}


def test_sqlcommenter_switch_follows_the_config() -> None:
    with init_telemetry(TelemetryConfig(exporter="none", set_global=False, sqlcommenter=False)):
        assert not _state.commenter().enabled
    with init_telemetry(TelemetryConfig(exporter="none", set_global=False)):
        assert _state.commenter().enabled
    # after shutdown the helpers fall back to the no-op API
    assert _state.tracer().start_span("x").is_recording() is False

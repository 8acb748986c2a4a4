"""TelemetryConfig: the OTEL_* variables that choose exporters and switch things off."""

from __future__ import annotations

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpans

from animus.telemetry import TelemetryConfig, _state, init_telemetry
from animus.telemetry.config import _otlp_span_exporter, otlp_protocol


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
    with pytest.raises(ValueError, match="otlp, console or none"):
        TelemetryConfig.from_env()


def test_sqlcommenter_switch_follows_the_config() -> None:
    with init_telemetry(TelemetryConfig(exporter="none", set_global=False, sqlcommenter=False)):
        assert not _state.commenter().enabled
    with init_telemetry(TelemetryConfig(exporter="none", set_global=False)):
        assert _state.commenter().enabled
    # after shutdown the helpers fall back to the no-op API
    assert _state.tracer().start_span("x").is_recording() is False

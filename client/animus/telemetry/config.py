"""``init_telemetry``: tracer, meter and logger providers, exporters, and the asyncpg hooks.

Exporters follow the standard variables: ``OTEL_EXPORTER_OTLP_PROTOCOL`` (or the per-signal
``OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_PROTOCOL``) picks ``grpc`` or ``http/protobuf``
(the default, as the OTLP spec says), and the OTLP exporters read ``OTEL_EXPORTER_OTLP_ENDPOINT``,
headers, timeouts and the rest themselves. ``OTEL_SDK_DISABLED=true`` turns everything off.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, TextIO

from opentelemetry import metrics, trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    ConsoleLogRecordExporter,
    LogRecordExporter,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import Sampler

from . import _state
from .logs import OtelLogHandler
from .sqlcommenter import SqlCommenter

__all__ = ["TelemetryConfig", "TelemetryGuard", "init_telemetry", "otlp_protocol"]

ExporterKind = Literal["otlp", "console", "none"]
Signal = Literal["traces", "metrics", "logs"]


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() == "true"


@dataclass(frozen=True)
class TelemetryConfig:
    """How telemetry is set up; :meth:`from_env` reads the usual variables.

    ``span_exporters``, ``metric_readers`` and ``log_exporters`` are added next to the
    configured exporter (tests pass in-memory ones here); they are exported synchronously.
    """

    service_name: str = "animus"
    #: None: ``animus.__version__``
    service_version: str | None = None
    enabled: bool = True
    exporter: ExporterKind = "otlp"
    #: per-signal overrides of ``exporter`` (OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER, ...)
    traces_exporter: ExporterKind | None = None
    metrics_exporter: ExporterKind | None = None
    logs_exporter: ExporterKind | None = None
    #: grpc or http/protobuf; None: the OTEL_EXPORTER_OTLP_*PROTOCOL variables, else http/protobuf
    otlp_protocol: str | None = None
    #: None: the OTEL_EXPORTER_OTLP_*ENDPOINT variables, else the exporters' default (localhost)
    otlp_endpoint: str | None = None
    metric_export_interval_ms: int = 10_000
    sampler: Sampler | None = None
    instrument_asyncpg: bool = True
    sqlcommenter: bool = True
    bridge_logging: bool = True
    log_level: int = logging.INFO
    #: install the providers as the process-wide OpenTelemetry globals (third-party code sees them)
    set_global: bool = True
    span_exporters: Sequence[SpanExporter] = field(default_factory=tuple)
    metric_readers: Sequence[MetricReader] = field(default_factory=tuple)
    log_exporters: Sequence[LogRecordExporter] = field(default_factory=tuple)
    #: where the console exporters write (None: standard output); the CLI passes stderr so
    #: that spans never mix with a command's output
    console_out: TextIO | None = None

    @classmethod
    def from_env(cls) -> TelemetryConfig:
        """``OTEL_SERVICE_NAME``, ``OTEL_SDK_DISABLED``, ``ANIMUS_OTEL_EXPORTER`` and the
        per-signal ``OTEL_{TRACES,METRICS,LOGS}_EXPORTER`` (otlp, console, none), and
        ``ANIMUS_SQLCOMMENTER`` (``false`` switches the SQL comments off)."""
        return cls(
            service_name=os.environ.get("OTEL_SERVICE_NAME", "animus"),
            enabled=not _env_true("OTEL_SDK_DISABLED"),
            exporter=_exporter_kind("ANIMUS_OTEL_EXPORTER") or "otlp",
            traces_exporter=_exporter_kind("OTEL_TRACES_EXPORTER"),
            metrics_exporter=_exporter_kind("OTEL_METRICS_EXPORTER"),
            logs_exporter=_exporter_kind("OTEL_LOGS_EXPORTER"),
            sqlcommenter=os.environ.get("ANIMUS_SQLCOMMENTER", "true").strip().lower() != "false",
        )


def _exporter_kind(variable: str) -> ExporterKind | None:
    value = os.environ.get(variable, "").strip().lower()
    if not value:
        return None
    if value not in ("otlp", "console", "none"):
        raise ValueError(f"{variable} must be otlp, console or none, not {value!r}")
    return value  # type: ignore[return-value]


def otlp_protocol(signal: Signal, configured: str | None = None) -> str:
    """The OTLP protocol of ``signal``: config, per-signal variable, general variable, default."""
    protocol = (
        configured
        or os.environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_PROTOCOL")
        or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    ).strip()
    if protocol not in ("grpc", "http/protobuf"):
        raise ValueError(f"OTLP protocol must be grpc or http/protobuf, not {protocol!r}")
    return protocol


def _http_endpoint(base: str | None, signal: Signal) -> str | None:
    return f"{base.rstrip('/')}/v1/{signal}" if base else None


def _otlp_span_exporter(config: TelemetryConfig) -> SpanExporter:
    if otlp_protocol("traces", config.otlp_protocol) == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(endpoint=config.otlp_endpoint)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpSpanExporter,
    )

    return HttpSpanExporter(endpoint=_http_endpoint(config.otlp_endpoint, "traces"))


def _otlp_metric_exporter(config: TelemetryConfig) -> MetricExporter:
    if otlp_protocol("metrics", config.otlp_protocol) == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

        return OTLPMetricExporter(endpoint=config.otlp_endpoint)
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter as HttpMetricExporter,
    )

    return HttpMetricExporter(endpoint=_http_endpoint(config.otlp_endpoint, "metrics"))


def _otlp_log_exporter(config: TelemetryConfig) -> LogRecordExporter:
    if otlp_protocol("logs", config.otlp_protocol) == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter

        return OTLPLogExporter(endpoint=config.otlp_endpoint)
    from opentelemetry.exporter.otlp.proto.http._log_exporter import (
        OTLPLogExporter as HttpLogExporter,
    )

    return HttpLogExporter(endpoint=_http_endpoint(config.otlp_endpoint, "logs"))


class TelemetryGuard:
    """Holds the providers; flushes and shuts them down on :meth:`shutdown` or on leaving ``with``.

    A disabled guard holds nothing, and the helpers then record into the no-op API.
    """

    def __init__(
        self,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        logger_provider: LoggerProvider | None = None,
        log_handler: logging.Handler | None = None,
        asyncpg_instrumentor: object | None = None,
    ) -> None:
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        self.logger_provider = logger_provider
        self._log_handler = log_handler
        self._asyncpg_instrumentor = asyncpg_instrumentor
        self._closed = False

    @property
    def enabled(self) -> bool:
        return self.tracer_provider is not None

    def force_flush(self, timeout_millis: int = 30_000) -> None:
        """Export everything recorded so far (spans, metrics, logs)."""
        if self.tracer_provider:
            self.tracer_provider.force_flush(timeout_millis)
        if self.meter_provider:
            self.meter_provider.force_flush(timeout_millis)
        if self.logger_provider:
            self.logger_provider.force_flush(timeout_millis)

    def shutdown(self) -> None:
        """Flush, detach the logging bridge and asyncpg hooks, and shut the providers down."""
        if self._closed:
            return
        self._closed = True
        if self._log_handler is not None:
            logging.getLogger().removeHandler(self._log_handler)
        if self._asyncpg_instrumentor is not None:
            self._asyncpg_instrumentor.uninstrument()  # type: ignore[attr-defined]
        if self.enabled:
            self.force_flush()
        for provider in (self.tracer_provider, self.meter_provider, self.logger_provider):
            if provider is not None:
                provider.shutdown()
        _state.reset(self)

    def __enter__(self) -> TelemetryGuard:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()


def init_telemetry(config: TelemetryConfig | None = None) -> TelemetryGuard:
    """Set up traces, metrics and logs per ``config``; the guard undoes it.

    Disabled (``config.enabled`` false or ``OTEL_SDK_DISABLED=true``): nothing is installed and
    nothing is exported, and SQL statements get no comment.
    """
    config = config or TelemetryConfig.from_env()
    if not config.enabled or _env_true("OTEL_SDK_DISABLED"):
        _state.install(None, None, SqlCommenter(enabled=False))
        return TelemetryGuard()

    from .. import __version__

    resource = Resource.create(
        {SERVICE_NAME: config.service_name, SERVICE_VERSION: config.service_version or __version__}
    )

    traces = config.traces_exporter or config.exporter
    metrics_kind = config.metrics_exporter or config.exporter
    logs = config.logs_exporter or config.exporter

    tracer_provider = TracerProvider(resource=resource, sampler=config.sampler)
    for span_exporter in config.span_exporters:
        tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    if traces == "otlp":
        tracer_provider.add_span_processor(BatchSpanProcessor(_otlp_span_exporter(config)))
    elif traces == "console":
        tracer_provider.add_span_processor(
            SimpleSpanProcessor(ConsoleSpanExporter(out=config.console_out or sys.stdout))
        )

    readers = list(config.metric_readers)
    if metrics_kind != "none":
        metric_exporter = (
            _otlp_metric_exporter(config)
            if metrics_kind == "otlp"
            else ConsoleMetricExporter(out=config.console_out or sys.stdout)
        )
        readers.append(
            PeriodicExportingMetricReader(
                metric_exporter, export_interval_millis=config.metric_export_interval_ms
            )
        )
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)

    logger_provider = LoggerProvider(resource=resource)
    for log_exporter in config.log_exporters:
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
    if logs == "otlp":
        logger_provider.add_log_record_processor(
            BatchLogRecordProcessor(_otlp_log_exporter(config))
        )
    elif logs == "console":
        logger_provider.add_log_record_processor(
            SimpleLogRecordProcessor(ConsoleLogRecordExporter(out=config.console_out or sys.stdout))
        )

    if config.set_global:
        trace.set_tracer_provider(tracer_provider)
        metrics.set_meter_provider(meter_provider)
        set_logger_provider(logger_provider)

    log_handler = None
    if config.bridge_logging:
        log_handler = OtelLogHandler(logger_provider, level=config.log_level)
        logging.getLogger().addHandler(log_handler)

    instrumentor = None
    if config.instrument_asyncpg:
        from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

        instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
        instrumentor.instrument(tracer_provider=tracer_provider)

    _state.install(tracer_provider, meter_provider, SqlCommenter(enabled=config.sqlcommenter))
    return TelemetryGuard(
        tracer_provider, meter_provider, logger_provider, log_handler, instrumentor
    )

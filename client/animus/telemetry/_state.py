"""The providers that ``init_telemetry`` installed, for the helpers (no-op API before that).

The helpers use these rather than the process-wide globals, which OpenTelemetry lets a process
set only once; so a test, or a second ``init_telemetry`` after a shutdown, gets its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opentelemetry import metrics, trace

from .sqlcommenter import SqlCommenter

if TYPE_CHECKING:
    from .config import TelemetryGuard

INSTRUMENTATION_SCOPE = "animus"
#: The OpenTelemetry semantic conventions this package follows (docs/observability.md).
SCHEMA_URL = "https://opentelemetry.io/schemas/1.40.0"

_tracer_provider: trace.TracerProvider | None = None
_meter_provider: metrics.MeterProvider | None = None
_commenter = SqlCommenter()
_instruments: dict[str, Any] = {}
#: (provider, tracer): get_tracer builds a new Tracer on each call, so the last one is kept
_tracer_cache: tuple[object, trace.Tracer] | None = None


def install(
    tracer_provider: trace.TracerProvider | None,
    meter_provider: metrics.MeterProvider | None,
    commenter: SqlCommenter,
) -> None:
    global _tracer_provider, _meter_provider, _commenter
    _tracer_provider, _meter_provider, _commenter = tracer_provider, meter_provider, commenter
    _instruments.clear()


def reset(guard: TelemetryGuard) -> None:
    """Forget the providers of ``guard`` (after its shutdown), if they are the current ones."""
    if guard.tracer_provider is _tracer_provider:
        install(None, None, SqlCommenter())


def tracer() -> trace.Tracer:
    global _tracer_cache
    provider = _tracer_provider or trace.get_tracer_provider()
    cached = _tracer_cache
    if cached is not None and cached[0] is provider:
        return cached[1]
    made = provider.get_tracer(INSTRUMENTATION_SCOPE, schema_url=SCHEMA_URL)
    if not isinstance(provider, trace.ProxyTracerProvider):
        _tracer_cache = (provider, made)
    return made


def tracing_active() -> bool:
    """Whether spans can be recorded at all: ``init_telemetry`` installed a provider, or the
    application set a global one. The client's hot paths skip all span work when not."""
    if _tracer_provider is not None:
        return True
    return not isinstance(
        trace.get_tracer_provider(), trace.ProxyTracerProvider | trace.NoOpTracerProvider
    )


def meter() -> metrics.Meter:
    provider = _meter_provider or metrics.get_meter_provider()
    return provider.get_meter(INSTRUMENTATION_SCOPE, schema_url=SCHEMA_URL)


def commenter() -> SqlCommenter:
    return _commenter


def instrument(name: str, factory: Any) -> Any:
    """The instrument ``name`` of the current meter, created once by ``factory(meter)``."""
    if name not in _instruments:
        _instruments[name] = factory(meter())
    return _instruments[name]

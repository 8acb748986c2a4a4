"""Python ``logging`` bridged to OpenTelemetry logs, each record carrying the current trace ids."""

from __future__ import annotations

import logging
import time

from opentelemetry._logs import LoggerProvider, SeverityNumber
from opentelemetry.context import get_current

__all__ = ["OtelLogHandler"]

_SEVERITY = (
    (logging.CRITICAL, SeverityNumber.FATAL),
    (logging.ERROR, SeverityNumber.ERROR),
    (logging.WARNING, SeverityNumber.WARN),
    (logging.INFO, SeverityNumber.INFO),
    (logging.DEBUG, SeverityNumber.DEBUG),
)


def _severity(levelno: int) -> SeverityNumber:
    for threshold, number in _SEVERITY:
        if levelno >= threshold:
            return number
    return SeverityNumber.TRACE


class OtelLogHandler(logging.Handler):
    """Emits each ``logging`` record as an OTel log record in the current context.

    The context gives the record the trace id and span id of the span active when the record
    was logged, so a backend shows the log lines of a span next to it.
    """

    def __init__(self, logger_provider: LoggerProvider, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self._provider = logger_provider

    def emit(self, record: logging.LogRecord) -> None:
        try:
            attributes: dict[str, str | int] = {
                "code.function.name": record.funcName,
                "code.file.path": record.pathname,
                "code.line.number": record.lineno,
            }
            if record.exc_info and record.exc_info[0] is not None:
                attributes["exception.type"] = record.exc_info[0].__name__
            self._provider.get_logger(record.name).emit(
                timestamp=int(record.created * 1e9),
                observed_timestamp=time.time_ns(),
                context=get_current(),
                severity_number=_severity(record.levelno),
                severity_text=record.levelname,
                body=record.getMessage(),
                attributes=attributes,
            )
        except Exception:
            self.handleError(record)

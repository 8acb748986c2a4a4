"""The project's test OTLP receiver (client/tests/otlp_receiver.py) as a service: it listens on
OTLP/HTTP's port 4318 and prints every span it receives as one JSON line, which
``podman logs`` (or ``docker compose logs otlp``) shows. It stands in for Jaeger where Jaeger's
image cannot be had (see docker/compose.podman.yaml)."""

from __future__ import annotations

import json
import signal
import sys
import threading

from otlp_receiver import otlp_http_receiver


def main() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with otlp_http_receiver(host="0.0.0.0", port=4318) as received:
        print(f"otlp receiver listening on {received.url}", flush=True)
        shown = 0
        while not stop.wait(0.2):
            for span in received.spans[shown:]:
                line = {
                    "service": span.resource.get("service.name"),
                    "name": span.name,
                    "trace_id": span.trace_id,
                    "span_id": span.span_id,
                    "parent_span_id": span.parent_span_id,
                }
                print(json.dumps(line), flush=True)
                shown += 1
    sys.exit(0)


if __name__ == "__main__":
    main()

"""A real local HTTP server that speaks the OpenAI wire format, for the SDK-level tests.

It serves ``POST /v1/embeddings`` and ``POST /v1/chat/completions`` from a thread. Each test
scripts it: ``server.script(path, status, body, headers)`` queues one response for that path;
with nothing queued, embeddings are deterministic vectors of the requested dimension (derived
from the text) and chat replies echo the last user message. Every request is recorded.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

EMBEDDINGS = "/v1/embeddings"
CHAT = "/v1/chat/completions"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Scripted:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def fake_embedding(text: str, dimensions: int) -> list[float]:
    """A unit vector that depends only on the text (same text, same vector)."""
    digest = hashlib.sha256(text.encode()).digest()
    raw = [((digest[i % len(digest)] + i * 31) % 255) / 255.0 - 0.5 for i in range(dimensions)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [x / norm for x in raw]


class OpenAIServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._scripts: dict[str, deque[Scripted]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def script(
        self,
        path: str,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Queue the next response for ``path`` (None body: the default answer)."""
        with self._lock:
            self._scripts[path].append(Scripted(status, body, headers or {}))

    def requests_to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def _next(self, path: str) -> Scripted | None:
        with self._lock:
            queue = self._scripts[path]
            return queue.popleft() if queue else None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with server._lock:
                    server.requests.append(
                        Recorded(
                            "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body
                        )
                    )
                scripted = server._next(self.path)
                if scripted is not None and scripted.body is not None:
                    self._reply(scripted.status, scripted.body, scripted.headers)
                elif self.path == EMBEDDINGS:
                    status = scripted.status if scripted else 200
                    self._reply(status, default_embeddings(body), {})
                elif self.path == CHAT:
                    status = scripted.status if scripted else 200
                    self._reply(status, default_chat(body), {})
                else:
                    self._reply(404, {"error": {"message": "not found", "type": "invalid"}}, {})

            def _reply(self, status: int, body: Any, headers: dict[str, str]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def default_embeddings(body: Any) -> dict[str, Any]:
    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
    dimensions = body.get("dimensions", 8)
    return {
        "object": "list",
        "model": body["model"],
        "data": [
            {"object": "embedding", "index": i, "embedding": fake_embedding(text, dimensions)}
            for i, text in enumerate(inputs)
        ],
        "usage": {"prompt_tokens": len(inputs), "total_tokens": len(inputs)},
    }


def default_chat(body: Any, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    last = body["messages"][-1]["content"] if body else ""
    return chat_response(f"echo: {last}", model=body["model"] if body else "m", usage=usage)


def chat_response(
    text: str, *, model: str = "test-model", usage: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": usage or {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }


def error_body(message: str, kind: str = "server_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": None, "param": None}}


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    server = OpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()

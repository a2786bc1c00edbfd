"""Fixtures of the webhook tests: a real HTTP receiver on 127.0.0.1 that the test starts,
answering with the statuses the test asks for (200 by default) and keeping every request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 200
    always: int | None = None  # answer this to every request
    arrived: threading.Event = field(default_factory=threading.Event)

    def answer(self) -> int:
        if self.always is not None:
            return self.always
        return self.statuses.pop(0) if self.statuses else 200


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = receiver.answer()
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            receiver.arrived.set()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/mrc")
    threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
    return receiver, server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found, server = start_receiver()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_hooks(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhooks to 127.0.0.1 allowed (MRC_WEBHOOK_ALLOW_HTTP_LOCAL=1), a short backoff."""
    monkeypatch.setitem(app.config, "MRC_WEBHOOK_ALLOW_HTTP_LOCAL", True)
    monkeypatch.setitem(app.config, "MRC_WEBHOOK_BACKOFF", (10, 60))

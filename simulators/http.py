"""The lifecycle shared by the local protocol-faithful vendor servers (WeChat, SMS,
Weibo): a threading HTTP server on a free loopback port, holding the fake's state
for its request handler, started and stopped as a context manager."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Generic, Self, TypeVar

S = TypeVar("S")


class StatefulHTTPServer(ThreadingHTTPServer, Generic[S]):
    daemon_threads = True

    def __init__(self, state: S, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.state = state


class LocalFakeServer(Generic[S]):
    """``with Fake…Server(...) as fake: settings.api_base = fake.url``."""

    def __init__(self, state: S, handler: type[BaseHTTPRequestHandler]) -> None:
        self.state = state
        self._server: StatefulHTTPServer[S] = StatefulHTTPServer(state, handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

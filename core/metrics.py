"""Prometheus metrics and the ASGI middleware that times every request.

Metrics live in a per-app registry (not the global one) so several apps in one
test process do not collide.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "liandong_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "liandong_http_request_seconds",
            "HTTP request latency",
            ["route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.contacts = Counter(
            "liandong_contacts_total",
            "Contacts received",
            ["channel", "hotline"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "liandong_work_queue_depth", "Cases waiting for a call taker", registry=self.registry
        )
        self.stream_pending = Gauge(
            "liandong_intake_pending", "Intake entries delivered, not acked", registry=self.registry
        )
        self.dead_letters = Gauge(
            "liandong_intake_dead_letters",
            "Entries in the dead-letter stream",
            registry=self.registry,
        )


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route: Any = scope.get("route")
            # Route templates, not raw paths, keep label cardinality bounded.
            path = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(scope["method"], path, str(status)).inc()
            self.metrics.latency.labels(path).observe(time.perf_counter() - start)

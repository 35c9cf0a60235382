"""The intake benchmark's baseline: a bare FastAPI app with the same POST route.

It parses the request body into the very model intake uses (``ContactCreate``) and
answers 201 with a constant ``ContactCreated``, so the difference to the real
endpoint is exactly what the platform adds: middleware, authentication, the
database transaction with its outbox row, and the publish to the Redis stream.

Served the way ``liandong serve`` serves the platform (same uvicorn options):

    python benchmarks/bare_app.py --port 8001 --workers 1
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from core.cases.schemas import ContactCreate, ContactCreated

HERE = Path(__file__).resolve().parent
_CONSTANT = ContactCreated(contact_id=1, case_number="QX-20260101-00001")


def create_app() -> FastAPI:
    app = FastAPI(title="bare baseline")

    @app.post("/api/v1/contacts", status_code=201, response_model=ContactCreated)
    async def create_contact(body: ContactCreate) -> ContactCreated:
        return _CONSTANT

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    # Keep these options identical to liandong/cli/serve.py so the baseline only
    # differs in the application, not in how uvicorn runs it.
    uvicorn.run(
        "bare_app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        app_dir=str(HERE),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

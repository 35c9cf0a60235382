"""Helpers shared by the CLI commands."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from core.errors import LiandongError
from liandong import logs
from liandong.settings import Settings

T = TypeVar("T")


def load_settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings:\n{exc}") from exc
    logs.configure(json_lines=settings.log_json and not sys.stderr.isatty())
    return settings


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except LiandongError as exc:
        raise click.ClickException(f"{exc.error_id}: {exc.message}") from exc


def echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))

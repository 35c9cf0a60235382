"""The admin console's tests run on SQLite and on PostgreSQL."""

from tests.core.console.conftest import app, settings  # noqa: F401 - same fixtures

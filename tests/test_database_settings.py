"""Settings for surviving a database restart (docs/operations.md, Faults survived)."""

from __future__ import annotations


def test_kept_postgresql_connections_are_health_checked() -> None:
    import os
    from pathlib import Path

    from config.settings.base import database_from_env

    old = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = "postgres://u@127.0.0.1:5432/x"
    try:
        assert database_from_env(Path("/unused"))["CONN_HEALTH_CHECKS"] is True
    finally:
        if old is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = old

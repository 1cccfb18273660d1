"""SQLite with the whole file encrypted (SQLCipher 4, through `sqlcipher3`).

ENGINE "safepassage.vault.sqlcipher" (settings: SAFEPASSAGE_DB_ENGINE=sqlcipher
with no DATABASE_URL). Django's SQLite backend unchanged, but connections
come from `sqlcipher3` and are keyed before their first statement with a
raw 256-bit key derived from the key ring (`vault.derive_key("seal",
"sqlcipher-v1")`): the same passphrase that unlocks the key ring unlocks the
database; a locked vault opens no connection (VaultLocked); a panic makes
the file unreadable with the key ring. The key survives root rotations and
passphrase changes (the "seal" secret does).

A copied file shows nothing: no table names, no counts, no codes (SQLCipher
encrypts every page, the header included; tests/ check it with `strings`).
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping
from itertools import tee
from typing import Any

from django.db.backends.sqlite3 import base as sqlite_base
from django.db.backends.sqlite3._functions import register as register_functions
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from sqlcipher3 import dbapi2 as Database  # noqa: N812 - Django's name for it

from .. import api

KEY_PURPOSE = "sqlcipher-v1"

Database.register_converter("bool", b"1".__eq__)
Database.register_converter("date", sqlite_base.decoder(parse_date))
Database.register_converter("time", sqlite_base.decoder(parse_time))
Database.register_converter("datetime", sqlite_base.decoder(parse_datetime))
Database.register_converter("timestamp", sqlite_base.decoder(parse_datetime))
Database.register_adapter(decimal.Decimal, str)
Database.register_adapter(datetime.date, sqlite_base.adapt_date)
Database.register_adapter(datetime.datetime, sqlite_base.adapt_datetime)


def database_key_pragma() -> str:
    """`PRAGMA key` with this key ring's raw database key. Raises VaultLocked."""
    return "PRAGMA key = \"x'" + api.derive_key("seal", KEY_PURPOSE).hex() + "'\""


def connect_raw(path: str, *, read_only: bool = False) -> Any:
    """A plain sqlcipher3 connection to `path`, keyed (for backups and checks)."""
    uri = f"file:{path}?mode=ro" if read_only else f"file:{path}"
    conn = Database.connect(uri, uri=True)
    conn.execute(database_key_pragma())
    return conn


class CipherCursorWrapper(Database.Cursor):  # type: ignore[misc]
    """Django's SQLiteCursorWrapper, on sqlcipher3's cursor class."""

    def execute(self, query: str, params: Any = None) -> Any:
        if params is None:
            return super().execute(query)
        param_names = list(params) if isinstance(params, Mapping) else None
        return super().execute(self.convert_query(query, param_names=param_names), params)

    def executemany(self, query: str, param_list: Any) -> Any:
        peekable, param_list = tee(iter(param_list))
        params = next(peekable, None)
        param_names = list(params) if params and isinstance(params, Mapping) else None
        return super().executemany(self.convert_query(query, param_names=param_names), param_list)

    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None:
            return sqlite_base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")
        return query % {name: f":{name}" for name in param_names}


class DatabaseWrapper(sqlite_base.DatabaseWrapper):
    vendor = "sqlite"
    display_name = "SQLCipher"
    Database = Database

    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        params["detect_types"] = Database.PARSE_DECLTYPES | Database.PARSE_COLNAMES
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        key = database_key_pragma()  # before opening: a locked vault opens nothing
        conn = Database.connect(**conn_params)
        conn.execute(key)
        register_functions(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA legacy_alter_table = OFF")
        for init_command in self.init_commands:  # type: ignore[attr-defined]
            if init_command := init_command.strip():
                conn.execute(init_command)
        return conn

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=CipherCursorWrapper)

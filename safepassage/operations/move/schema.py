"""The tables of every app, their order, and one canonical form of a row.

SQLite and PostgreSQL hand back the same stored value in different shapes
(a boolean is 0/1 or True/False, a datetime is text or an aware datetime,
a UUID is 32 hex digits or a UUID, a JSON value is text or text with its
keys reordered). `canonical` brings a raw driver value to one Python value
by the column's Django type, without ever calling a field's own
conversion: an encrypted field is a BinaryField here, copied and hashed as
its ciphertext, never decrypted. The same function feeds the insert into
PostgreSQL and both digests, so "identical on both sides" means the same
canonical value in every column of every row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.dateparse import parse_datetime, parse_duration, parse_time

INTEGER_KINDS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    }
)
# Tables Django keeps outside the app registry; compared, not copied.
MIGRATIONS_TABLE = "django_migrations"
SQLITE_INTERNAL_PREFIX = "sqlite_"


class CorruptValue(Exception):
    """A stored value that does not fit its column's type."""


@dataclass(frozen=True)
class Table:
    name: str
    pk: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    scales: tuple[int | None, ...]

    def select_sql(self) -> str:
        cols = ", ".join(quote(c) for c in self.columns)
        return f"SELECT {cols} FROM {quote(self.name)}"  # noqa: S608 - model names, quoted


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _kind(field: Any) -> str:
    while field.is_relation and field.target_field is not field:
        field = field.target_field
    return str(field.get_internal_type())


def _table(model: type[models.Model]) -> Table:
    fields = list(model._meta.concrete_fields)
    pk = model._meta.pk
    if pk is None:
        raise ValueError(f"{model._meta.label} has no primary key.")
    return Table(
        name=model._meta.db_table,
        pk=str(pk.column),
        columns=tuple(str(f.column) for f in fields),
        kinds=tuple(_kind(f) for f in fields),
        scales=tuple(getattr(f, "decimal_places", None) for f in fields),
    )


def tables_in_order() -> list[Table]:
    """Every table of every installed app (many-to-many tables included), a
    referenced table before the tables that reference it (cycles and
    self-references are left to PostgreSQL's deferred foreign keys)."""
    chosen: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and not meta.swapped:
            chosen.setdefault(meta.db_table, model)
    depends: dict[str, set[str]] = {}
    for name, model in chosen.items():
        refs = set()
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None:
                target = field.related_model._meta.db_table
                if target != name and target in chosen:
                    refs.add(target)
        depends[name] = refs
    ordered: list[str] = []
    placed: set[str] = set()
    remaining = sorted(chosen)
    while remaining:
        ready = [n for n in remaining if depends[n] <= placed] or remaining[:1]
        for name in ready:
            ordered.append(name)
            placed.add(name)
        remaining = [n for n in remaining if n not in placed]
    return [_table(chosen[name]) for name in ordered]


def canonical(kind: str, value: Any, scale: int | None) -> Any:
    """One Python value for a raw value of SQLite or PostgreSQL. Raises
    CorruptValue when the stored value cannot be of the column's type."""
    if value is None:
        return None
    try:
        return _CONVERTERS.get(kind, _as_is)(value, scale)
    except (ValueError, TypeError, InvalidOperation, ArithmeticError) as exc:
        raise CorruptValue(f"{kind} holds {type(value).__name__}: {exc}") from None


def _as_is(value: Any, _scale: int | None) -> Any:
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    return value


def _text(value: Any, _scale: int | None) -> str:
    if isinstance(value, bytes | memoryview | bytearray):
        raise TypeError("bytes in a text column")
    return str(value)


def _integer(value: Any, _scale: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not an integer")
    return value


def _boolean(value: Any, _scale: int | None) -> bool:
    if value in (0, 1):  # SQLite; True == 1 for PostgreSQL
        return bool(value)
    raise ValueError("not a boolean")


def _datetime(value: Any, _scale: int | None) -> dt.datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(parsed, dt.datetime):
        raise ValueError("not a datetime")
    if parsed.tzinfo is None:  # SQLite stores UTC without an offset
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _date(value: Any, _scale: int | None) -> dt.date:
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValueError("not a date")
    return value


def _time(value: Any, _scale: int | None) -> dt.time:
    parsed = parse_time(value) if isinstance(value, str) else value
    if not isinstance(parsed, dt.time):
        raise ValueError("not a time")
    return parsed


def _decimal(value: Any, scale: int | None) -> Decimal:
    if isinstance(value, bool | bytes | memoryview):
        raise TypeError("not a number")
    number = Decimal(str(value))
    return number if scale is None else number.quantize(Decimal(1).scaleb(-scale))


def _float(value: Any, _scale: int | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError("not a number")
    return float(value)


def _uuid(value: Any, _scale: int | None) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _json(value: Any, _scale: int | None) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _binary(value: Any, _scale: int | None) -> bytes:
    if not isinstance(value, bytes | memoryview | bytearray):
        raise TypeError("not bytes")
    return bytes(value)


def _duration(value: Any, _scale: int | None) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):  # SQLite: microseconds
        return dt.timedelta(microseconds=value)
    parsed = parse_duration(str(value))
    if parsed is None:
        raise ValueError("not a duration")
    return parsed


_CONVERTERS = {
    **dict.fromkeys(INTEGER_KINDS, _integer),
    "BooleanField": _boolean,
    "DateTimeField": _datetime,
    "DateField": _date,
    "TimeField": _time,
    "DecimalField": _decimal,
    "FloatField": _float,
    "UUIDField": _uuid,
    "JSONField": _json,
    "BinaryField": _binary,
    "DurationField": _duration,
    "CharField": _text,
    "TextField": _text,
    "EmailField": _text,
    "SlugField": _text,
    "URLField": _text,
    "FilePathField": _text,
    "FileField": _text,
    "ImageField": _text,
    "GenericIPAddressField": _text,
    "IPAddressField": _text,
}


def _encode(value: Any) -> str:
    if value is None:
        return "N"
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, bytes):
        return "b" + value.hex()
    if isinstance(value, int | Decimal | uuid.UUID | float):
        return "n" + str(value)
    if isinstance(value, dt.timedelta):
        return "t" + str(value // dt.timedelta(microseconds=1))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return "d" + value.isoformat()
    if isinstance(value, str):
        return "s" + value
    return "j" + json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Digest:
    """Row count and a SHA-256 over the sorted SHA-256s of the canonical rows
    (order-free: no ORDER BY is needed on either side)."""

    def __init__(self) -> None:
        self._hashes: list[bytes] = []

    def add(self, row: tuple[Any, ...]) -> None:
        text = "\x1f".join(_encode(v) for v in row)
        self._hashes.append(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())

    def result(self) -> dict[str, Any]:
        total = hashlib.sha256()
        for h in sorted(self._hashes):
            total.update(h)
        return {"rows": len(self._hashes), "sha256": total.hexdigest()}


def canonical_rows(
    table: Table, rows: list[tuple[Any, ...]], digest: Digest
) -> list[tuple[Any, ...]]:
    """The rows in canonical form, each added to `digest`. Raises CorruptValue
    naming the table, the row's primary key and the column."""
    out = []
    pk_index = table.columns.index(table.pk)
    for row in rows:
        values = []
        for column, kind, scale, value in zip(
            table.columns, table.kinds, table.scales, row, strict=True
        ):
            try:
                values.append(canonical(kind, value, scale))
            except CorruptValue as exc:
                raise CorruptValue(
                    f"{table.name} row {row[pk_index]!r}, column {column}: {exc}"
                ) from None
        converted = tuple(values)
        digest.add(converted)
        out.append(converted)
    return out

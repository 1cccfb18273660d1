"""Altering a stored ciphertext as an attacker with database access would:
raw SQL, behind the ORM's back."""

from __future__ import annotations

from django.db import connection, models


def flip_byte(instance: models.Model, column: str, *, at: int = -3) -> None:
    """Flip one bit of one byte of `column` in `instance`'s row (inside the
    ciphertext or its tag, by default), in the database only."""
    table = connection.ops.quote_name(instance._meta.db_table)
    name = connection.ops.quote_name(column)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {name} FROM {table} WHERE id = %s", [instance.pk])  # noqa: S608
        raw = bytearray(bytes(cur.fetchone()[0]))
        raw[at] ^= 0x10
        cur.execute(
            f"UPDATE {table} SET {name} = %s WHERE id = %s",  # noqa: S608
            [bytes(raw), instance.pk],
        )

"""Blind-index rotation: time to rebuild every index under a new master.

Fills a throw-away database with N rows holding one blind-indexed
encrypted phone number each, every row under its own data key (the
worst case: a data key is unwrapped per row, as for one phone per case),
then times `rotate_keys`' blind-index step alone (begin, rebuild,
finish) and checks a lookup afterwards.

    .venv/bin/python bench/vault/bench_blind_index_rotation.py --rows 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/vault/bench_blind_index_rotation.py --rows 100000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench._django import create_test_database, destroy_test_database, setup_django

PASSPHRASE = "benchmark passphrase"  # noqa: S105 - a throw-away key ring


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2000, help="rows per transaction")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection, transaction

    from safepassage.vault import keyring, keys, rotation
    from safepassage.vault.fields import blind_index_filter
    from safepassage.vault.tests.probe.models import Probe

    db_name = create_test_database()
    try:
        keyring.keyring_create(PASSPHRASE, path=settings.VAULT_KEYRING_PATH)
        keyring.unlock(PASSPHRASE, path=settings.VAULT_KEYRING_PATH)
        n = args.rows
        start = time.perf_counter()
        for offset in range(0, n, 10_000):
            size = min(10_000, n - offset)
            with transaction.atomic():
                data_keys = keys.data_keys_create_bulk(scope="unit:1", owner="bench", count=size)
                Probe.objects.bulk_create(
                    Probe(data_key=data_key, phone=f"+9594{offset + i:08d}")
                    for i, data_key in enumerate(data_keys)
                )
        keys.clear_caches()  # the rebuild must unwrap every data key itself
        fill = time.perf_counter() - start
        print(f"database: {connection.vendor}; rows: {n:,} (one data key each)")
        print(f"fill: {fill:.1f} s")

        start = time.perf_counter()
        keyring.blind_index_rotation_begin(PASSPHRASE)
        begun = time.perf_counter()
        cpu_start = time.process_time()
        rebuilt = rotation.blind_indexes_rebuild(batch=args.batch)
        cpu = time.process_time() - cpu_start
        rebuild_end = time.perf_counter()
        keyring.blind_index_rotation_finish(PASSPHRASE)
        end = time.perf_counter()
        assert rebuilt == n, (rebuilt, n)
        probe = blind_index_filter(Probe.objects.all(), "phone_index", f"+9594{n // 2:08d}")
        assert len(probe) == 1
        rebuild = rebuild_end - begun
        total = end - start
        print(
            f"rotation: {total:.1f} s in all (key ring {total - rebuild:.2f} s, "
            f"rebuild {rebuild:.1f} s = {n / rebuild:,.0f} rows/s, "
            f"{rebuild / n * 1e6:.0f} µs/row, batch {args.batch})"
        )
        print(
            f"CPU time of this process in the rebuild: {cpu:.1f} s = {cpu / n * 1e6:.0f} µs/row "
            "(the database server's own CPU not included)"
        )
        print(
            f"linear extrapolation to 1,000,000 rows: {rebuild / n * 1_000_000:.0f} s "
            f"(rebuild only; {cpu / n * 1_000_000:.0f} s of this process's CPU)"
        )
        load = os.getloadavg()[0]
        print(f"load average during the run: {load:.1f} on {os.cpu_count()} cores")
    finally:
        destroy_test_database(db_name)


if __name__ == "__main__":
    main()

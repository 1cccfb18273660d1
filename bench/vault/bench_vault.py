"""Vault costs: one field encrypted/decrypted, a row of fields through the ORM,
a blind index, and the Argon2id unlock with production parameters.

    .venv/bin/python bench/vault/bench_vault.py [--rows 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/vault/bench_vault.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench._django import create_test_database, destroy_test_database, setup_django


def per_call_us(func, n: int) -> float:
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            func()
        samples.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection, transaction

    from safepassage.vault import crypto, keyring, keys
    from safepassage.vault.tests.probe.models import Probe

    print(f"database: {connection.vendor}")
    key, key_id = crypto.new_key(), uuid.uuid4()
    value = "မောင်အောင်ကျော်ဇင် Maung Aung Kyaw Zin".encode()
    envelope = crypto.encrypt(key, key_id, value, "field/t/c/row")
    print(
        f"AES-256-GCM encrypt, {len(value)}-byte value: "
        f"{per_call_us(lambda: crypto.encrypt(key, key_id, value, 'field/t/c/row'), 20000):.2f} µs"
    )
    print(
        f"AES-256-GCM decrypt, same value:              "
        f"{per_call_us(lambda: crypto.decrypt(key, envelope, 'field/t/c/row'), 20000):.2f} µs"
    )
    print(f"ciphertext overhead: {len(envelope) - len(value)} bytes per value")

    # Argon2id unlock with the production parameters (base settings).
    from config.settings import base

    with tempfile.TemporaryDirectory() as tmp:
        settings.VAULT_ARGON2_TIME_COST = base.VAULT_ARGON2_TIME_COST
        settings.VAULT_ARGON2_MEMORY_KIB = base.VAULT_ARGON2_MEMORY_KIB
        settings.VAULT_ARGON2_PARALLELISM = base.VAULT_ARGON2_PARALLELISM
        path = Path(tmp) / "keyring.json"
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        keyring.keyring_create("benchmark passphrase", path=path)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            keyring.unlock("benchmark passphrase", path=path)
            times.append(time.perf_counter() - start)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"Argon2id unlock (t={base.VAULT_ARGON2_TIME_COST}, "
            f"m={base.VAULT_ARGON2_MEMORY_KIB // 1024} MiB, p={base.VAULT_ARGON2_PARALLELISM}): "
            f"median {statistics.median(times) * 1000:.0f} ms; peak RSS grew "
            f"{(rss_after - rss_before) / 1024:.0f} MiB"
        )

    db_name = create_test_database()
    try:
        keyring.keyring_create("benchmark passphrase", path=settings.VAULT_KEYRING_PATH)
        keyring.unlock("benchmark passphrase", path=settings.VAULT_KEYRING_PATH)
        data_key = keys.data_key_create(scope="unit:1", owner="bench")
        n = args.rows
        start = time.perf_counter()
        with transaction.atomic():
            for i in range(n):
                Probe(
                    data_key=data_key,
                    text=f"မောင်စမ်း {i}",
                    born=dt.date(1990, 1, 1),
                    extra={"alias": "Ko Sam", "i": i},
                    phone=f"+9594{i:08d}",
                ).save()
        insert = time.perf_counter() - start
        start = time.perf_counter()
        for probe in Probe.objects.select_related("data_key__unit_key").iterator(2000):
            _ = (probe.text, probe.born, probe.extra, probe.phone)
        read = time.perf_counter() - start
        start = time.perf_counter()
        for _probe in Probe.objects.iterator(2000):
            pass
        read_sealed = time.perf_counter() - start
        field = Probe._meta.get_field("phone_index")
        print(f"rows: {n}, 4 encrypted fields + 1 blind index each")
        print(f"insert with encryption: {n / insert:,.0f} rows/s ({insert / n * 1e6:.0f} µs/row)")
        print(
            f"read + decrypt 4 fields: {n / read:,.0f} rows/s ({read / n * 1e6:.0f} µs/row); "
            f"read without decrypting: {read_sealed / n * 1e6:.0f} µs/row; "
            f"decryption ≈ {(read - read_sealed) / n / 4 * 1e6:.1f} µs per field"
        )
        print(
            f"blind index of one phone number: "
            f"{per_call_us(lambda: field.index_of('+959420000123'), 5000):.1f} µs"
        )
    finally:
        destroy_test_database(db_name)


if __name__ == "__main__":
    main()

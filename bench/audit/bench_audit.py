"""Audit chain: appends per second (one transaction each, and batched) and
verification time, on the database the settings name.

    .venv/bin/python bench/audit/bench_audit.py [--events 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/audit/bench_audit.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench._django import create_test_database, destroy_test_database, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection, transaction

    from safepassage.audit.services import audit_record
    from safepassage.audit.verify import verify_stored_chain
    from safepassage.vault import keyring

    db_name = create_test_database()
    try:
        keyring.keyring_create("benchmark passphrase", path=settings.VAULT_KEYRING_PATH)
        keyring.unlock("benchmark passphrase", path=settings.VAULT_KEYRING_PATH)
        half = args.events // 2
        start = time.perf_counter()
        for i in range(half):
            with transaction.atomic():
                audit_record(actor=None, action="bench.appended", details={"i": i})
        single = time.perf_counter() - start
        start = time.perf_counter()
        with transaction.atomic():
            for i in range(half):
                audit_record(actor=None, action="bench.appended", details={"i": i})
        batched = time.perf_counter() - start
        start = time.perf_counter()
        result = verify_stored_chain()
        verify = time.perf_counter() - start
        print(f"database: {connection.vendor}; events: {2 * half}")
        print(f"append, one transaction each: {half / single:,.0f} events/s")
        print(f"append, {half} in one transaction: {half / batched:,.0f} events/s")
        print(
            f"verify all: {verify:.2f} s ({verify / (2 * half) * 1e5:.2f} s per 100k); "
            f"result: {result}"
        )
    finally:
        destroy_test_database(db_name)


if __name__ == "__main__":
    main()

"""Cost of hashing and verifying a receipt (Argon2id, safepassage/intake/receipts.py).

    .venv/bin/python bench/intake/receipts.py [--rounds 20]

Needs no database: the pepper comes from a throw-away key ring.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="receipt-bench-")
    os.environ.setdefault("SAFEPASSAGE_VAR_DIR", var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from safepassage.intake.receipts import HASHER, receipt_generate, receipt_hash, receipt_verify
    from safepassage.vault import keyring

    passphrase = secrets.token_urlsafe(24)  # a throw-away key ring
    keyring.keyring_create(passphrase)
    keyring.unlock(passphrase)
    receipts = [receipt_generate() for _ in range(args.rounds)]
    hashed, verified = [], []
    for receipt in receipts:
        start = time.perf_counter()
        stored = receipt_hash(receipt)
        hashed.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        assert receipt_verify(receipt, stored)
        verified.append((time.perf_counter() - start) * 1000)
    print(
        f"Argon2id m={HASHER.memory_cost} KiB t={HASHER.time_cost} p={HASHER.parallelism}; "
        f"{args.rounds} rounds; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"hash   median {statistics.median(hashed):.1f} ms")
    print(f"verify median {statistics.median(verified):.1f} ms")


if __name__ == "__main__":
    main()

"""A process that holds the keys and decrypts in a loop until a panic stops it.

    python panic_child.py KEYRING PASSPHRASE_FILE

Prints "ready" once unlocked, then "refused <unix time> <time of the
last successful decrypt>" at its first key use after a panic, then
"unlock refused" if unlocking again fails. Used by test_panic.py and
bench/vault/bench_panic.py (one child per process).
"""
# ruff: noqa: T201

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402

from safepassage.vault import api, keyring  # noqa: E402
from safepassage.vault.exceptions import KeyRingError, VaultLocked  # noqa: E402


def main() -> None:
    settings.VAULT_KEYRING_PATH = Path(sys.argv[1])
    passphrase = Path(sys.argv[2]).read_text(encoding="utf-8").strip()
    keyring.unlock(passphrase)
    api.seal(b"probe", context="panic-child")
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    last_ok = time.time()
    while time.monotonic() < deadline:
        try:
            api.unseal(api.seal(b"probe", context="panic-child"), context="panic-child")
            last_ok = time.time()
        except VaultLocked:
            print(f"refused {time.time():.6f} {last_ok:.6f}", flush=True)
            break
        time.sleep(0.0005)
    else:
        print("never refused", flush=True)
        return
    try:
        keyring.unlock(passphrase)
        print("unlocked again", flush=True)
    except KeyRingError:
        print("unlock refused", flush=True)


if __name__ == "__main__":
    main()

"""A flood of resume attempts against one conversation's code, and the
genuine person resuming it with the right code and receipt.

    .venv/bin/python bench/intake/resume_flood.py [--sources 1,16,64,128,512] [--forms 6]

Within one simulated minute, N flooding sources each post `--forms`
resume forms naming the genuine conversation's code (the worst case: the
code is known) with a well-formed wrong receipt, round-robin; the genuine
person posts the right code and receipt once at a random place in that
traffic (seeded) and once after all of it. Each form goes through the
whole Django stack (middleware, form, signed token, web budgets,
`resume_check`, audit) on a throw-away database; the budgets and the
resume guard follow a simulated clock. Counted: what the genuine person
got (302 = resumed, 429 = told to wait, 403 = mismatch), and how many
Argon2id verifications the flood cost (receipts are hashed with a cheap
Argon2id here; the real one costs 0.3-1.1 s of a core each:
bench/intake/receipts.py). "retry" is the genuine person's second try a
minute later, when told to wait.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench._django import create_test_database, destroy_test_database, setup_django

START = 1_900_000_020.0  # a simulated clock, on a minute boundary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", default="1,16,64,128,512")
    parser.add_argument("--forms", type=int, default=6, help="forms per source in the minute")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    setup_django()
    from argon2 import PasswordHasher
    from django.test import Client
    from django.urls import reverse

    from safepassage.intake import receipts, resuming, web
    from safepassage.intake.models import Contact, ContactMessage, ResumeGuard, Throttle, WebSession
    from safepassage.vault import keyring

    verifies = [0]

    class CountingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            verifies[0] += 1
            return super().verify(hash, password)

    receipts.HASHER = CountingHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    clock = SimpleNamespace(now=START)
    setattr(web, "time", SimpleNamespace(time=lambda: clock.now))  # noqa: B010 (the clock)
    simulated = SimpleNamespace(now=lambda: dt.datetime.fromtimestamp(clock.now, dt.UTC))
    setattr(resuming, "timezone", simulated)  # noqa: B010 (the clock)
    db_name = create_test_database()
    try:
        from django.conf import settings

        keyring.keyring_create("benchmark passphrase", path=settings.VAULT_KEYRING_PATH)
        keyring.unlock("benchmark passphrase", path=settings.VAULT_KEYRING_PATH)
        url = reverse("contact:resume")

        def send(client: Client, address: str, code: str, receipt: str) -> int:
            token = web.form_token_issue(now=clock.now - 10)
            data = {"token": token, "code": code, "receipt": receipt}
            return client.post(url, data, REMOTE_ADDR=address).status_code

        print(
            "| flooding sources | flood forms | flood: 403 / 429 | Argon2id checks "
            "| genuine, at a random place | genuine, last | retry a minute later |"
        )
        print("|---:|---:|---|---:|---|---|---|")
        for row, n in enumerate(int(s) for s in args.sources.split(",")):
            for model in (WebSession, ContactMessage, Contact, Throttle, ResumeGuard):
                model.objects.all().delete()
            clock.now = START + 3600 * row
            opened = web.web_contact_open(answers={}, message="genuine", language="en")
            code, receipt = opened.contact.code, opened.receipt
            rng = random.Random(args.seed * 1000 + n)
            flood, genuine = Client(), Client()
            traffic = [f"10.66.{i // 250}.{i % 250}" for i in range(n)] * args.forms
            spot = rng.randrange(len(traffic) + 1)
            statuses: list[int] = []
            first = 0
            verifies[0] = 0
            started = time.perf_counter()
            for address in [*traffic[:spot], None, *traffic[spot:]]:
                clock.now += 50 / (len(traffic) + 1)  # spread over 50 s
                if address is None:
                    first = send(genuine, "192.0.2.7", code, receipt)
                    genuine.cookies.clear()
                else:
                    statuses.append(send(flood, address, code, receipts.receipt_generate()))
            flood_checks = verifies[0] - (1 if first == 302 else 0)
            clock.now += 1
            last = send(genuine, "198.51.100.9", code, receipt)
            genuine.cookies.clear()
            retry = ""
            if last == 429:
                clock.now += 61
                retry = _said(send(genuine, "198.51.100.9", code, receipt))
            elapsed = time.perf_counter() - started
            print(
                f"| {n} | {len(traffic)} | {statuses.count(403)} / {statuses.count(429)} "
                f"| {flood_checks} | {_said(first)} | {_said(last)} | {retry} |"
                f"  <!-- {elapsed:.0f} s wall -->",
                flush=True,
            )
    finally:
        keyring.lock()
        destroy_test_database(db_name)


def _said(status: int) -> str:
    return {302: "in", 429: "wait (429)", 403: "mismatch (403)"}.get(status, str(status))


if __name__ == "__main__":
    main()

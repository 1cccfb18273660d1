"""Floods of the web form: N flooding sources against one genuine sender,
and what reaches the inbox; then one conversation flooded with messages.

    .venv/bin/python bench/intake/flood.py [--sources 1,4,16,64,128] [--minutes 1] [--forms 11]

Every simulated minute each flooding source sends `--forms` new-contact
forms (more than its own budget allows), round-robin, and the genuine
sender sends one form at a random place in that traffic (seeded), and a
second genuine sender one form after all of it (the worst case). Each
form goes through the whole Django stack with the test client
(middleware, form, signed token, budgets, case code, receipt, encryption,
audit) on a throw-away database. The budgets' minutes follow a simulated
clock, so a run does not wait for real minutes; receipts are hashed with a
cheap Argon2id (8 MiB, 1 pass) so that a run takes minutes: the real cost
is bench/intake/receipts.py's.

Two policies, the same code: "before" is issue 18's finding (every form
takes from the budget in all: INTAKE_WEB_FIRST_PER_SOURCE=0), "after" the
defaults (each source's first form of a minute passes ahead of the budget
in all, under the ceiling). Then 150 messages of 3,900 characters are
written into one conversation within a minute, without and with the
per-conversation limit.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench._django import create_test_database, destroy_test_database, setup_django

START = 1_900_000_020.0  # a simulated clock, on a minute boundary


@dataclass
class Row:
    policy: str
    sources: int
    flood_sent: int = 0
    flood_in: int = 0
    genuine_sent: int = 0
    genuine_in: int = 0
    late_in: int = 0
    stored: int = 0
    seconds: float = 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", default="1,4,16,64,128")
    parser.add_argument("--minutes", type=int, default=1)
    parser.add_argument("--forms", type=int, default=11, help="forms per source a minute")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    setup_django()
    from argon2 import PasswordHasher
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from safepassage.intake import receipts, web
    from safepassage.intake.models import Contact, ContactMessage, Throttle, WebSession
    from safepassage.vault import keyring

    receipts.HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    clock = SimpleNamespace(now=START)
    setattr(web, "time", SimpleNamespace(time=lambda: clock.now))  # noqa: B010 (the clock)
    db_name = create_test_database()
    rows: list[Row] = []
    try:
        keyring.keyring_create("benchmark passphrase", path=settings.VAULT_KEYRING_PATH)
        keyring.unlock("benchmark passphrase", path=settings.VAULT_KEYRING_PATH)
        url = reverse("contact:start")

        def send(client: Client, address: str, text: str) -> int:
            token = web.form_token_issue(now=clock.now - 10)
            data = {"token": token, "website": "", "message": text}
            return client.post(url, data, REMOTE_ADDR=address).status_code

        for policy, first in (("before", 0), ("after", settings.INTAKE_WEB_FIRST_PER_SOURCE)):
            settings.INTAKE_WEB_FIRST_PER_SOURCE = first
            for n in (int(s) for s in args.sources.split(",")):
                for model in (WebSession, ContactMessage, Contact, Throttle):
                    model.objects.all().delete()
                rng = random.Random(args.seed * 1000 + n)
                row = Row(policy, n)
                flood, genuine = Client(), Client()
                started = time.perf_counter()
                for minute in range(args.minutes):
                    clock.now = START + 3600 * len(rows) + 60 * minute
                    traffic = [f"10.66.{i // 250}.{i % 250}" for i in range(n)] * args.forms
                    spot = rng.randrange(len(traffic) + 1)
                    for k, address in enumerate([*traffic[:spot], None, *traffic[spot:]]):
                        clock.now += 50 / (len(traffic) + 1)  # spread over 50 s
                        if address is None:
                            row.genuine_sent += 1
                            ok = send(genuine, "192.0.2.7", f"genuine {minute}") == 200
                            row.genuine_in += ok
                        else:
                            row.flood_sent += 1
                            row.flood_in += send(flood, address, f"flood {k}") == 200
                    # A second genuine sender, after the whole flood of the minute.
                    clock.now += 1
                    row.late_in += send(genuine, "198.51.100.9", f"late {minute}") == 200
                row.seconds = time.perf_counter() - started
                row.stored = Contact.objects.count()
                rows.append(row)
                print(_line(row, args.minutes), flush=True)

        print()
        limits = (settings.INTAKE_WEB_MESSAGES_PER_MINUTE, settings.INTAKE_WEB_MESSAGES_PER_DAY)
        for label, (per_minute, per_day) in (("no limit", (10**9, 10**9)), ("limit", limits)):
            settings.INTAKE_WEB_MESSAGES_PER_MINUTE = per_minute
            settings.INTAKE_WEB_MESSAGES_PER_DAY = per_day
            for model in (WebSession, ContactMessage, Contact, Throttle):
                model.objects.all().delete()
            clock.now = START + 3600 * (len(rows) + 1)
            person = Client()
            send(person, "192.0.2.8", "first")
            guard = web.session_guard(person.cookies[web.COOKIE].value)
            statuses = []
            started = time.perf_counter()
            for i in range(150):
                clock.now += 9 / 150
                data = {"message": f"{i} " + "x" * 3900, "guard": guard}
                statuses.append(person.post(reverse("contact:conversation"), data).status_code)
            elapsed = time.perf_counter() - started
            print(
                f"conversation, {label}: 150 messages of 3,900 characters in 9 simulated s: "
                f"{statuses.count(302)} accepted, {statuses.count(429)} refused (429), "
                f"{ContactMessage.objects.count() - 1} stored; {elapsed:.1f} s wall"
            )
    finally:
        keyring.lock()
        destroy_test_database(db_name)


def _line(row: Row, minutes: int) -> str:
    return (
        f"{row.policy:6} sources={row.sources:4} flood {row.flood_in:5}/{row.flood_sent:<6} "
        f"in ({row.flood_in / minutes:.0f}/min)  "
        f"genuine anywhere {row.genuine_in}/{row.genuine_sent}  last {row.late_in}/{minutes}  "
        f"stored {row.stored}  {row.seconds:.0f} s wall"
    )


if __name__ == "__main__":
    main()

"""The armoury at scale: the duplicate-serial check and the unit armoury page.

    .venv/bin/python bench/armoury/run.py --items 200000 [--units 20] [--samples 300]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python ...

Builds a throw-away test database (test settings, a fresh key ring), then:

1. loads `--items` items (serials encrypted, blind index over the
   normalised serial, written by the model's own fields through
   `bulk_create`) over `--units` units, ten items per case;
2. times `services.serial_matches` (what `item_record` runs) for serials
   that exist, typed another way, and for serials never seen: p50/p95/p99;
3. beside it, the naive way: read every item and decrypt and normalise its
   serial (`--naive-samples` runs; it is the cost the blind index avoids);
4. times the unit armoury page (`/armoury/`) through the whole middleware
   stack (session, second factor, permissions) for the largest unit.

The target scale is 1,000,000 items; docs/benchmarks.md says which scale
fitted the time on the shared machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench._django import create_test_database, destroy_test_database, setup_django

PASSPHRASE = "benchmark passphrase"  # noqa: S105 (a throw-away key ring)


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return (
        f"p50 {pick(0.5):.2f} ms  p95 {pick(0.95):.2f} ms  p99 {pick(0.99):.2f} ms  "
        f"mean {statistics.fmean(ordered):.2f} ms  (n={len(ordered)})"
    )


def serial_for(n: int) -> str:
    return f"MA1-{n:07d}"


def retyped(serial: str) -> str:
    """The same serial as a tired person types it: spaces, O for 0, lower case."""
    return serial.lower().replace("-", " ").replace("0", "O", 1)


def load(items: int, units_count: int, batch: int) -> tuple[list[object], object]:
    from django.db import transaction
    from django.utils import timezone

    from safepassage.accounts.models import Unit, UnitKind, User
    from safepassage.armoury.models import Condition, CustodyState, Item, Kind
    from safepassage.cases.codes import case_code_generate
    from safepassage.cases.models import Case
    from safepassage.vault import keys

    hq = Unit.objects.create(name="HQ (bench)", kind=UnitKind.HEADQUARTERS, is_headquarters=True)
    units = [
        Unit.objects.create(name=f"Unit {i} (bench)", kind=UnitKind.PDF_BATTALION, parent=hq)
        for i in range(units_count)
    ]
    receivers = {
        u.pk: (
            User.objects.create_user(username=f"recv{u.pk}", unit=u),
            User.objects.create_user(username=f"witn{u.pk}", unit=u),
        )
        for u in units
    }
    rifle = Kind.objects.get(code="ma-1")
    now = timezone.now()
    started = time.perf_counter()
    made = 0
    per_case = 10
    while made < items:
        size = min(batch, items - made)
        with transaction.atomic():
            cases_needed = (size + per_case - 1) // per_case
            by_unit: dict[int, list[Case]] = {}
            for u in units:
                count = cases_needed // units_count + (1 if u is units[0] else 0)
                data_keys = keys.data_keys_create_bulk(
                    scope=keys.scope_for_unit(u.pk), owner="cases.case", count=count
                )
                cases = [
                    Case(code=case_code_generate(), unit=u, summary="", data_key=k)
                    for k in data_keys
                ]
                Case.objects.bulk_create(cases)
                for case in cases:
                    case.unit = u
                by_unit[u.pk] = cases
            rows = []
            for i in range(size):
                n = made + i
                unit = units[n % units_count]
                cases = by_unit[unit.pk]
                case = cases[(i // units_count) % len(cases)]
                receiver, witness = receivers[unit.pk]
                rows.append(
                    Item(
                        case=case,
                        unit=unit,
                        holder=unit,
                        data_key=case.data_key,
                        kind=rifle,
                        serial=serial_for(n),
                        markings="",
                        place="",
                        condition=Condition.WORKING,
                        quantity=1,
                        received_by=receiver,
                        witnessed_by=witness,
                        received_at=now,
                        state=CustodyState.HELD,
                    )
                )
            Item.objects.bulk_create(rows, batch_size=2000)
        made += size
        rate = made / (time.perf_counter() - started)
        print(f"  loaded {made:,}/{items:,} items ({rate:,.0f}/s)", flush=True)
    return units, hq


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--naive-samples", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20_000)
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from safepassage.accounts.middleware import SESSION_EPOCH_KEY, SESSION_LAST_SEEN_KEY
    from safepassage.accounts.models import TOTPDevice, User
    from safepassage.accounts.roles import Role
    from safepassage.armoury.models import Item
    from safepassage.armoury.serials import serial_normalize
    from safepassage.armoury.services import serial_matches
    from safepassage.vault import keyring

    db_name = create_test_database()
    try:
        Path(settings.VAULT_KEYRING_PATH).parent.mkdir(parents=True, exist_ok=True)
        keyring.keyring_create(PASSPHRASE, path=settings.VAULT_KEYRING_PATH)
        keyring.unlock(PASSPHRASE, path=settings.VAULT_KEYRING_PATH)
        print(f"database: {connection.vendor}; items {args.items:,}; units {args.units}")
        started = time.perf_counter()
        units, _hq = load(args.items, args.units, args.batch)
        print(f"load: {time.perf_counter() - started:.0f} s")

        rng = random.Random(7)
        seen = [retyped(serial_for(rng.randrange(args.items))) for _ in range(args.samples)]
        fresh = [serial_for(args.items + 1 + rng.randrange(10**6)) for _ in range(args.samples)]
        for serial in seen[:10] + fresh[:10]:  # warm caches
            serial_matches(serial)
        timings: dict[str, list[float]] = {"seen": [], "fresh": []}
        for label, serials in (("seen", seen), ("fresh", fresh)):
            for serial in serials:
                t0 = time.perf_counter()
                found = serial_matches(serial)
                timings[label].append((time.perf_counter() - t0) * 1000)
                if (label == "seen") != bool(found):
                    raise SystemExit(f"wrong answer for {serial!r}")
        print("duplicate-serial check, serial seen before (retyped):", percentiles(timings["seen"]))
        print("duplicate-serial check, serial never seen:          ", percentiles(timings["fresh"]))

        naive: list[float] = []
        for serial in seen[: args.naive_samples]:
            key = serial_normalize(serial)
            t0 = time.perf_counter()
            hits = [
                i.pk
                for i in Item.objects.select_related("case__unit", "data_key__unit_key").iterator(
                    chunk_size=5000
                )
                if serial_normalize(i.serial) == key
            ]
            naive.append((time.perf_counter() - t0) * 1000)
            if not hits:
                raise SystemExit("naive scan missed a serial")
        print("naive scan of decrypted serials:                    ", percentiles(naive))

        unit = units[0]
        user = User.objects.create_user(username="bench.handler", unit=unit)
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get_or_create(name=Role.UNIT_HANDLER)[0])
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[SESSION_EPOCH_KEY] = user.session_epoch
        session[SESSION_LAST_SEEN_KEY] = int(time.time())
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        held = Item.objects.filter(holder=unit).count()
        page: list[float] = []
        for i in range(args.samples + 20):
            t0 = time.perf_counter()
            response = client.get("/armoury/")
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status_code != 200:
                raise SystemExit(f"/armoury/ answered {response.status_code}")
            if i >= 20:
                page.append(elapsed)
        print(f"unit armoury page ({held:,} items held by the unit):     ", percentiles(page))
    finally:
        keyring.lock()
        destroy_test_database(db_name)


if __name__ == "__main__":
    main()

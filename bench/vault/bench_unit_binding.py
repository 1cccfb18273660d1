"""The cost of binding a case's data key to its unit column (issue 18).

Reads every person of a unit twice, as model instances (the detail page's
path: `case` and the key rows joined) and through the bulk reader (the
screening index's path), with the binding on and with it switched off for
the measurement only (`Person.vault_unit_paths = ()`).

    .venv/bin/python bench/vault/bench_unit_binding.py [--people 5000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench._django import create_test_database, destroy_test_database, setup_django


def best_of(func, repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import transaction

    from safepassage.accounts.models import Unit
    from safepassage.cases.models import Case, Person
    from safepassage.vault import keyring, keys
    from safepassage.vault.rows import decrypted_values

    db_name = create_test_database()
    try:
        keyring.keyring_create("benchmark passphrase", path=settings.VAULT_KEYRING_PATH)
        keyring.unlock("benchmark passphrase", path=settings.VAULT_KEYRING_PATH)
        unit = Unit.objects.create(name="Bench battalion", kind="pdf_battalion")
        n = args.people
        data_keys = keys.data_keys_create_bulk(
            scope=keys.scope_for_unit(unit.pk), owner="cases.case", count=n
        )
        with transaction.atomic():
            for i, data_key in enumerate(data_keys):
                case = Case.objects.create(
                    code=f"SP-B{i:04d}-0000", unit=unit, summary="", data_key=data_key
                )
                Person.objects.create(
                    case=case, data_key=data_key, name_latin=f"Maung Bench {i}", nrc=""
                )
        people = Person.objects.filter(case__unit=unit)

        def instances() -> None:
            for person in people.select_related("case", "data_key__unit_key").iterator(2000):
                _ = person.name_latin

        def bulk() -> None:
            for _row in decrypted_values(people, ["name_latin"]):
                pass

        # Interleaved, so that a busy machine's drift falls on both alike.
        samples: dict[str, list[tuple[float, float]]] = {"bound": [], "unbound": []}
        keys.clear_caches()
        instances()  # warm the key cache, as a running server has it
        for _round in range(7):
            for label, paths in (("bound", ("case__unit",)), ("unbound", ())):
                Person.vault_unit_paths = paths
                samples[label].append((best_of(instances, 1), best_of(bulk, 1)))
        Person.vault_unit_paths = ("case__unit",)
        person = people.select_related("case", "data_key__unit_key").first()
        start = time.perf_counter()
        for _ in range(100_000):
            person.vault_key()
        bound_key = (time.perf_counter() - start) / 100_000 * 1e6
        start = time.perf_counter()
        for _ in range(100_000):
            keys.data_key_bytes(person.data_key)
        plain_key = (time.perf_counter() - start) / 100_000 * 1e6
        print(f"people: {n}, one field each; medians of 7 interleaved rounds")
        for label, runs in samples.items():
            inst = statistics.median(r[0] for r in runs)
            blk = statistics.median(r[1] for r in runs)
            print(
                f"{label:8} instances (warm key cache): {inst / n * 1e6:6.1f} µs/person; "
                f"bulk reader: {blk / n * 1e6:6.1f} µs/person"
            )
        print(
            f"the key of one loaded row, warm cache: {bound_key:.2f} µs bound "
            f"(column followed, scope compared) against {plain_key:.2f} µs unbound"
        )
    finally:
        destroy_test_database(db_name)


if __name__ == "__main__":
    main()

"""data_keys_create_bulk: the same keys as data_key_create, without a query per key."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safepassage.vault import keys
from safepassage.vault.exceptions import UnknownKey
from safepassage.vault.models import DataKey, UnitKey
from safepassage.vault.tests.factories import ProbeFactory
from safepassage.vault.tests.probe.models import Probe

pytestmark = pytest.mark.django_db


def test_bulk_keys_are_distinct_wrapped_under_the_scope_and_usable_after_a_cold_cache():
    made = keys.data_keys_create_bulk(scope="unit:41", owner="cases.case", count=25)
    assert len(made) == 25
    unit_key = UnitKey.objects.get(scope="unit:41")
    stored = DataKey.objects.filter(unit_key=unit_key)
    assert stored.count() == 25
    assert {k.owner for k in stored} == {"cases.case"}
    keys.clear_caches()
    unwrapped = {keys.data_key_bytes(keys.data_key_get(k.id)) for k in made}
    assert len(unwrapped) == 25


def test_values_encrypted_under_a_bulk_key_read_back_after_a_cold_cache():
    data_key = keys.data_keys_create_bulk(scope="unit:42", owner="t", count=1)[0]
    probe = ProbeFactory(data_key=data_key, text="မောင်စမ်း")
    keys.clear_caches()
    assert Probe.objects.get(pk=probe.pk).text == "မောင်စမ်း"


def test_bulk_keys_are_inserted_in_a_few_statements_not_one_per_key():
    keys.unit_key_get_or_create(scope="unit:43")
    with CaptureQueriesContext(connection) as queries:
        keys.data_keys_create_bulk(scope="unit:43", owner="t", count=200)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    # SQLite caps the variables of one statement, so a batch may be split.
    assert 1 <= len(inserts) <= 5


def test_zero_keys_touch_nothing_and_a_negative_count_is_refused():
    assert keys.data_keys_create_bulk(scope="unit:44", owner="t", count=0) == []
    assert not UnitKey.objects.filter(scope="unit:44").exists()
    with pytest.raises(ValueError, match="negative"):
        keys.data_keys_create_bulk(scope="unit:44", owner="t", count=-1)


def test_bulk_keys_are_refused_with_a_locked_vault(locked_vault):
    from safepassage.vault.exceptions import VaultLocked

    with pytest.raises(VaultLocked):
        keys.data_keys_create_bulk(scope="unit:45", owner="t", count=3)
    assert not DataKey.objects.exists()


def test_bulk_reads_find_unit_keys_cached_or_stored_and_refuse_unknown_ones():
    data_key = keys.data_keys_create_bulk(scope="unit:43", owner="t", count=1)[0]
    unit_key = UnitKey.objects.get(scope="unit:43")
    keys.clear_caches()
    with CaptureQueriesContext(connection) as cold:
        first = keys.unit_key_bytes_by_id(unit_key.id)
    with CaptureQueriesContext(connection) as warm:
        again = keys.unit_key_bytes_by_id(unit_key.id)
    assert first == again == keys.unit_key_bytes(unit_key)
    assert (len(cold), len(warm)) == (1, 0)
    row = DataKey.objects.get(id=data_key.id)
    plain = keys.data_key_unwrap(row.id, bytes(row.wrapped), unit_key.id, first)
    assert plain == keys.data_key_bytes(keys.data_key_get(data_key.id))
    with pytest.raises(UnknownKey):
        keys.unit_key_bytes_by_id(uuid.uuid4())

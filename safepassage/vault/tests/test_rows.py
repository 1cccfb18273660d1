"""Bulk decryption from the columns: the same values and the same refusals
as attribute access on an instance."""

from __future__ import annotations

import datetime as dt

import pytest

from safepassage.vault import keys, rows
from safepassage.vault.exceptions import DecryptionError, KeyShredded, RowRef
from safepassage.vault.fields import blind_index_filter
from safepassage.vault.tests.factories import ProbeFactory
from safepassage.vault.tests.probe.models import Probe
from safepassage.vault.tests.tamper import flip_byte
from safepassage.vault.tests.test_fields import _raw, _write_raw

pytestmark = pytest.mark.django_db

FIELDS = ("text", "born", "extra", "phone")


def _read(queryset=None, fields=FIELDS, plain=("pk",)):
    return list(
        rows.decrypted_values(queryset or Probe.objects.order_by("pk"), fields, plain=plain)
    )


def test_values_are_those_an_instance_decrypts():
    first = ProbeFactory(text="ကိုအောင်", born=dt.date(2001, 2, 3), extra={"n": [1]}, phone="")
    second = ProbeFactory(text=None, born=None, extra=0, phone=None, label="b")
    assert _read(plain=("pk", "label")) == [
        (first.pk, first.label, "ကိုအောင်", dt.date(2001, 2, 3), {"n": [1]}, ""),
        (second.pk, "b", None, None, 0, None),
    ]


def test_rows_come_in_the_querysets_order_across_chunks(monkeypatch):
    monkeypatch.setattr(rows, "CHUNK", 3)
    made = [ProbeFactory(text=f"n{i}") for i in range(8)]
    got = _read(Probe.objects.order_by("-pk"), fields=("text",))
    assert got == [(p.pk, f"n{i}") for i, p in reversed(list(enumerate(made)))]


def test_a_flipped_ciphertext_fails_loudly():
    probe = ProbeFactory()
    raw = bytearray(_raw(probe, "text"))
    raw[-3] ^= 0x10
    _write_raw(probe, "text", bytes(raw))
    with pytest.raises(DecryptionError, match="integrity"):
        _read()


def test_a_value_swapped_between_rows_under_one_key_fails():
    first = ProbeFactory(text="first")
    second = ProbeFactory(text="second", data_key=first.data_key)
    _write_raw(second, "text", _raw(first, "text"))
    with pytest.raises(DecryptionError):
        _read(Probe.objects.filter(pk=second.pk))


def test_a_value_swapped_between_columns_fails():
    probe = ProbeFactory(text="name", phone="+959420000009")
    _write_raw(probe, "text", _raw(probe, "phone"))
    with pytest.raises(DecryptionError):
        _read()


def test_a_value_under_another_records_key_fails():
    first = ProbeFactory(text="a")
    second = ProbeFactory(text="b")
    _write_raw(second, "text", _raw(first, "text"))
    with pytest.raises(DecryptionError, match="another record"):
        _read(Probe.objects.filter(pk=second.pk))


def test_garbage_fails():
    probe = ProbeFactory()
    _write_raw(probe, "text", b"plain text, not a ciphertext")
    with pytest.raises(DecryptionError, match="not a vault ciphertext"):
        _read()


def test_a_shredded_key_is_refused_even_while_cached():
    probe = ProbeFactory(text="to be forgotten")
    assert keys._data_cache.get(probe.data_key_id) is not None
    keys.data_key_shred(data_key=probe.data_key)
    with pytest.raises(KeyShredded):
        _read()


def test_a_row_whose_values_are_all_null_still_needs_a_live_key():
    probe = ProbeFactory(text=None, born=None, extra=None, phone=None)
    keys.data_key_shred(data_key=probe.data_key)
    with pytest.raises(KeyShredded):
        _read()


def test_bulk_reads_leave_the_key_cache_alone():
    probe = ProbeFactory(text="x")
    keys.clear_caches()
    assert _read(fields=("text",)) == [(probe.pk, "x")]
    assert keys._data_cache.get(probe.data_key_id) is None


def test_a_column_that_is_not_encrypted_is_refused():
    with pytest.raises(TypeError, match="not an encrypted field"):
        _read(fields=("label",))


def test_rows_fetched_at_once_are_the_same():
    made = [ProbeFactory(text=f"n{i}") for i in range(3)]
    query = Probe.objects.order_by("pk")
    streamed = list(rows.decrypted_values(query, ("text",), plain=("pk",)))
    assert list(rows.decrypted_values(query, ("text",), plain=("pk",), stream=False)) == streamed
    assert streamed == [(p.pk, f"n{i}") for i, p in enumerate(made)]


def test_unit_keys_come_from_their_cache_else_one_query_each(django_assert_num_queries):
    made = [ProbeFactory(text=f"n{i}") for i in range(3)]
    query = Probe.objects.order_by("pk")
    keys.clear_caches()
    with django_assert_num_queries(2):  # the rows, then their one unit key
        assert len(list(rows.decrypted_values(query, ("text",), stream=False))) == 3
    with django_assert_num_queries(1):  # the rows alone: the unit key is cached
        assert list(rows.decrypted_values(query, ("text",), plain=("pk",), stream=False)) == [
            (p.pk, f"n{i}") for i, p in enumerate(made)
        ]


# ------------------------------------------- readers that must not stop ----


def test_a_flipped_row_names_itself_and_never_its_value():
    probe = ProbeFactory(text="CANARY-row")
    flip_byte(probe, "text")
    with pytest.raises(DecryptionError) as failed:
        _read()
    assert failed.value.row == RowRef(
        model="vault_probe.probe",
        pk=str(probe.pk),
        vault_id=probe.vault_id,
        data_key_id=probe.data_key_id,
    )
    assert "CANARY" not in repr(failed.value.row) + str(failed.value)


def test_with_unreadable_a_flipped_row_is_left_out_and_handed_over_and_the_rest_is_read():
    _before, bad, _after = (ProbeFactory(text=t, label=t) for t in ("a", "b", "c"))
    flip_byte(bad, "extra")
    told: list[tuple[DecryptionError, tuple]] = []
    got = list(
        rows.decrypted_values(
            Probe.objects.order_by("pk"),
            ("text", "extra"),
            plain=("label",),
            unreadable=lambda error, plain: told.append((error, plain)),
        )
    )
    assert [row[0] for row in got] == ["a", "c"]
    assert [(e.row.pk if e.row else None, plain) for e, plain in told] == [(str(bad.pk), ("b",))]


def test_with_unreadable_a_shredded_row_is_left_out_silently():
    _kept, gone = ProbeFactory(text="kept"), ProbeFactory(text="gone")
    keys.data_key_shred(data_key=gone.data_key)
    told: list[object] = []
    got = list(
        rows.decrypted_values(
            Probe.objects.order_by("pk"),
            ("text",),
            unreadable=lambda error, plain: told.append(error),
        )
    )
    assert got == [("kept",)]
    assert told == []


def test_attribute_access_names_the_row_that_failed():
    probe = ProbeFactory()
    flip_byte(probe, "text")
    with pytest.raises(DecryptionError) as failed:
        _ = Probe.objects.get(pk=probe.pk).text
    assert failed.value.row is not None
    assert (failed.value.row.model, failed.value.row.pk) == ("vault_probe.probe", str(probe.pk))


def test_a_blind_index_look_up_leaves_a_flipped_candidate_out_when_asked():
    good = ProbeFactory(phone="09420000123")
    bad = ProbeFactory(phone="09420000123")
    flip_byte(bad, "phone")
    with pytest.raises(DecryptionError):
        blind_index_filter(Probe.objects.order_by("pk"), "phone_index", "09420000123")
    told: list[DecryptionError] = []
    found = blind_index_filter(
        Probe.objects.order_by("pk"), "phone_index", "09420000123", unreadable=told.append
    )
    assert [p.pk for p in found] == [good.pk]
    assert [e.row.pk for e in told if e.row] == [str(bad.pk)]

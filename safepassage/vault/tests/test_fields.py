"""Encrypted fields through the ORM: round trips, tampering, refusals."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import FieldError, ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from safepassage.vault import keys
from safepassage.vault.exceptions import DecryptionError, KeyShredded, VaultLocked
from safepassage.vault.fields import PendingFile, Sealed, blind_index_filter
from safepassage.vault.tests.factories import ProbeFactory
from safepassage.vault.tests.probe.models import Probe

pytestmark = pytest.mark.django_db


def _raw(probe: Probe, column: str) -> bytes:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM vault_probe_probe WHERE id = %s", [probe.pk])  # noqa: S608
        return bytes(cur.fetchone()[0])


def _write_raw(probe: Probe, column: str, value: bytes | None) -> None:
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE vault_probe_probe SET {column} = %s WHERE id = %s",  # noqa: S608
            [value, probe.pk],
        )


def test_values_come_back_decrypted_and_are_stored_encrypted():
    probe = ProbeFactory(text="ကိုအောင်", born=dt.date(2001, 2, 3), extra={"n": [1, 2]})
    fresh = Probe.objects.get(pk=probe.pk)
    assert fresh.text == "ကိုအောင်"
    assert fresh.born == dt.date(2001, 2, 3)
    assert fresh.extra == {"n": [1, 2]}
    assert "ကိုအောင်".encode() not in _raw(probe, "text")
    assert isinstance(fresh.__dict__["text"], Sealed)


@pytest.mark.parametrize(
    ("field", "value"), [("text", ""), ("extra", 0), ("extra", ""), ("extra", False), ("extra", [])]
)
def test_empty_and_zero_values_survive_exactly(field, value):
    probe = ProbeFactory(**{field: value})
    got = getattr(Probe.objects.get(pk=probe.pk), field)
    assert got == value
    assert type(got) is type(value)


def test_null_stays_null_in_the_database():
    probe = ProbeFactory(text=None, born=None, extra=None, phone=None)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT text, born, extra, phone, phone_index FROM vault_probe_probe WHERE id = %s",
            [probe.pk],
        )
        assert cur.fetchone() == (None, None, None, None, None)
    fresh = Probe.objects.get(pk=probe.pk)
    assert (fresh.text, fresh.born, fresh.extra) == (None, None, None)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(max_size=300),
    extra=st.recursive(
        st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=10,
    ),
)
def test_property_round_trip_through_the_database(text, extra):
    import unicodedata

    probe = Probe(text=text, extra=extra)
    probe.save()
    fresh = Probe.objects.get(pk=probe.pk)
    assert fresh.text == unicodedata.normalize("NFC", text)
    assert fresh.extra == extra


def test_unchanged_values_are_not_re_encrypted_on_save():
    probe = ProbeFactory()
    fresh = Probe.objects.get(pk=probe.pk)
    before = _raw(probe, "text")
    fresh.label = "moved"
    fresh.save()
    assert _raw(probe, "text") == before
    fresh.text = "changed"
    fresh.save()
    assert _raw(probe, "text") != before
    assert Probe.objects.get(pk=probe.pk).text == "changed"


def test_flipped_ciphertext_fails_loudly():
    probe = ProbeFactory()
    raw = bytearray(_raw(probe, "text"))
    raw[-3] ^= 0x10
    _write_raw(probe, "text", bytes(raw))
    with pytest.raises(DecryptionError):
        _ = Probe.objects.get(pk=probe.pk).text


def test_value_swapped_between_rows_fails_even_under_the_same_key():
    first = ProbeFactory(text="first")
    second = ProbeFactory(text="second", data_key=first.data_key)
    _write_raw(second, "text", _raw(first, "text"))
    with pytest.raises(DecryptionError):
        _ = Probe.objects.get(pk=second.pk).text


def test_value_swapped_between_columns_fails():
    probe = ProbeFactory(text="name", phone="+959420000009")
    _write_raw(probe, "text", _raw(probe, "phone"))
    with pytest.raises(DecryptionError):
        _ = Probe.objects.get(pk=probe.pk).text


def test_value_from_another_records_key_fails():
    first = ProbeFactory(text="a")
    second = ProbeFactory(text="b")
    assert first.data_key_id != second.data_key_id
    _write_raw(second, "text", _raw(first, "text"))
    with pytest.raises(DecryptionError, match="another record"):
        _ = Probe.objects.get(pk=second.pk).text


def test_truncated_and_garbage_values_fail():
    probe = ProbeFactory()
    for junk in (_raw(probe, "text")[:20], b"plain", b"\x01" + bytes(40)):
        _write_raw(probe, "text", junk)
        with pytest.raises(DecryptionError):
            _ = Probe.objects.get(pk=probe.pk).text


def test_queryset_update_and_plaintext_lookups_are_refused():
    ProbeFactory(text="secret")
    with pytest.raises(TypeError, match="save"), transaction.atomic():
        Probe.objects.update(text="bypass")
    with pytest.raises(FieldError, match=r"lookup|Unsupported"), transaction.atomic():
        list(Probe.objects.filter(text="secret"))
    assert Probe.objects.filter(text__isnull=False).count() == 1


def test_locked_vault_refuses_to_decrypt_or_encrypt(locked_vault):
    with pytest.raises(VaultLocked):
        Probe(text="x").save()


def test_locked_vault_refuses_reads():
    probe = ProbeFactory()
    fresh = Probe.objects.get(pk=probe.pk)
    from safepassage.vault import keyring

    keyring.lock()
    keyring._state.auto_unlock_tried = True
    try:
        with pytest.raises(VaultLocked):
            _ = fresh.text
    finally:
        from django.conf import settings as dj_settings

        from conftest import TEST_PASSPHRASE

        keyring._state.auto_unlock_tried = False
        keyring.unlock(TEST_PASSPHRASE, path=dj_settings.VAULT_KEYRING_PATH)


def test_shredding_a_data_key_destroys_every_value_under_it():
    probe = ProbeFactory(text="to be forgotten")
    sibling = ProbeFactory(text="family member", data_key=probe.data_key)
    other = ProbeFactory(text="someone else")
    keys.data_key_shred(data_key=probe.data_key)
    for pk in (probe.pk, sibling.pk):
        with pytest.raises(KeyShredded):
            _ = Probe.objects.get(pk=pk).text
    assert Probe.objects.get(pk=other.pk).text == "someone else"


def test_deferred_encrypted_field_loads_and_decrypts():
    probe = ProbeFactory(text="deferred")
    fresh = Probe.objects.defer("text").get(pk=probe.pk)
    assert fresh.text == "deferred"


def test_max_length_is_validated_on_plaintext():
    probe = Probe(text="x" * 501)
    with pytest.raises(ValidationError):
        probe.full_clean(exclude=["photo", "born", "extra", "phone"])


def test_serialisation_carries_ciphertext_only():
    from django.core import serializers

    probe = ProbeFactory(text="never in a dump")
    dumped = serializers.serialize("json", Probe.objects.filter(pk=probe.pk))
    assert "never in a dump" not in dumped


def _jpeg_with_exif() -> bytes:
    img = Image.new("RGB", (32, 16), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "CanaryCameraMaker"  # Make
    exif[0x0131] = "CanarySoftware"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_images_are_stripped_of_exif_and_encrypted_on_disk(settings):
    content = _jpeg_with_exif()
    assert b"CanaryCameraMaker" in content
    probe = ProbeFactory(photo=PendingFile(content, content_type="image/jpeg"))
    stored = Probe.objects.get(pk=probe.pk).photo
    on_disk = stored.path.read_bytes()
    assert b"CanaryCameraMaker" not in on_disk
    clear = stored.read()
    assert b"CanaryCameraMaker" not in clear
    assert b"CanarySoftware" not in clear
    with Image.open(io.BytesIO(clear)) as img:
        assert img.size == (32, 16)
        assert not img.getexif()


def test_tampered_file_fails_loudly():
    probe = ProbeFactory(photo=PendingFile(b"%PDF-1.4 canary", content_type="application/pdf"))
    stored = Probe.objects.get(pk=probe.pk).photo
    data = bytearray(stored.path.read_bytes())
    data[40] ^= 1
    stored.path.write_bytes(bytes(data))
    with pytest.raises(DecryptionError):
        Probe.objects.get(pk=probe.pk).photo.read()


@pytest.mark.parametrize(
    ("content", "ctype"),
    [(b"not an image", "image/png"), (b"MZ\x90\x00", "application/x-msdownload")],
)
def test_bad_files_are_refused_and_nothing_is_written(content, ctype):
    with pytest.raises(ValidationError), transaction.atomic():
        ProbeFactory(photo=PendingFile(content, content_type=ctype))
    assert Probe.objects.count() == 0


def test_blind_index_finds_exact_values_only():
    target = ProbeFactory(phone="+959420000123")
    ProbeFactory(phone="+959420000124")
    found = blind_index_filter(Probe.objects.all(), "phone_index", "+959420000123")
    assert [p.pk for p in found] == [target.pk]
    assert blind_index_filter(Probe.objects.all(), "phone_index", "+959420000999") == []
    assert 0 <= target.phone_index < 2**24


def test_blind_index_confirms_candidates_against_collisions():
    a = ProbeFactory(phone="+959420000001")
    b = ProbeFactory(phone="+959420000002")
    # Force a collision: b claims a's index value.
    Probe.objects.filter(pk=b.pk).update(phone_index=a.phone_index)
    found = blind_index_filter(Probe.objects.all(), "phone_index", "+959420000001")
    assert [p.pk for p in found] == [a.pk]


def test_blind_index_follows_changes_and_nulls():
    probe = ProbeFactory(phone="+959420000001")
    probe.phone = "+959420000555"
    probe.save()
    assert blind_index_filter(Probe.objects.all(), "phone_index", "+959420000555")
    probe.phone = None
    probe.save()
    assert Probe.objects.get(pk=probe.pk).phone_index is None

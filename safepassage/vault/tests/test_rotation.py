"""Rotation: afterwards no stored value carries a retired key id."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from conftest import TEST_PASSPHRASE
from safepassage.vault import keyring, keys, rotation
from safepassage.vault.fields import PendingFile, blind_index_filter
from safepassage.vault.models import DataKey, UnitKey
from safepassage.vault.tests.factories import ProbeFactory
from safepassage.vault.tests.probe.models import Probe

pytestmark = pytest.mark.django_db


@pytest.fixture
def passphrase_file(tmp_path):
    path = tmp_path / "pass"
    path.write_text(TEST_PASSPHRASE + "\n")
    return str(path)


def _populate():
    in_unit = [
        ProbeFactory(data_key=keys.data_key_create(scope="unit:7", owner="t")) for _ in range(3)
    ]
    system = ProbeFactory(photo=PendingFile(b"%PDF-1.4 rotate me", content_type="application/pdf"))
    shredded = ProbeFactory(text="gone")
    keys.data_key_shred(data_key=shredded.data_key)
    return in_unit, system, shredded


def test_rotate_keys_full_leaves_no_retired_key_id_anywhere(passphrase_file):
    _in_unit, system, shredded = _populate()
    before = rotation.key_census()
    old_roots = set(keyring.root_ids())
    old_unit_keys = set(UnitKey.objects.values_list("id", flat=True))
    old_data_keys = set(DataKey.objects.filter(wrapped__isnull=False).values_list("id", flat=True))
    plain = {p.pk: (p.text, p.extra) for p in Probe.objects.exclude(pk=shredded.pk)}

    call_command("rotate_keys", "--data-keys", "--passphrase-file", passphrase_file)

    after = rotation.key_census()
    assert after.values == before.values
    assert not after.roots_in_use & old_roots
    assert after.roots_in_use == set(keyring.root_ids())
    assert not after.unit_keys_in_use & old_unit_keys
    live_data_keys = after.data_keys_in_use - {shredded.data_key_id}
    assert not live_data_keys & old_data_keys
    assert not set(UnitKey.objects.values_list("id", flat=True)) & old_unit_keys
    for root_id in old_roots:
        assert str(root_id) not in settings.VAULT_KEYRING_PATH.read_text()
    keys.clear_caches()
    for probe in Probe.objects.exclude(pk=shredded.pk):
        assert (probe.text, probe.extra) == plain[probe.pk]
    assert Probe.objects.get(pk=system.pk).photo.read() == b"%PDF-1.4 rotate me"
    # Old data keys are shredded: nothing can be read with them any more.
    assert not DataKey.objects.filter(id__in=old_data_keys, wrapped__isnull=False).exists()


def test_rotate_without_data_keys_rewraps_and_keeps_values(passphrase_file):
    in_unit, _system, _shredded = _populate()
    old_roots = set(keyring.root_ids())
    call_command("rotate_keys", "--passphrase-file", passphrase_file)
    census = rotation.key_census()
    assert not census.roots_in_use & old_roots
    keys.clear_caches()
    assert Probe.objects.get(pk=in_unit[0].pk).text == in_unit[0].text


def test_rotate_with_wrong_passphrase_fails_cleanly(tmp_path):
    ProbeFactory()
    bad = tmp_path / "bad"
    bad.write_text("wrong wrong wrong wrong")
    roots = keyring.root_ids()
    ring_before = settings.VAULT_KEYRING_PATH.read_bytes()
    with pytest.raises(CommandError, match="does not open"):
        call_command("rotate_keys", "--passphrase-file", str(bad))
    assert keyring.root_ids() == roots
    assert settings.VAULT_KEYRING_PATH.read_bytes() == ring_before


def test_moving_a_data_key_to_another_unit_keeps_values():
    probe = ProbeFactory(data_key=keys.data_key_create(scope="unit:1", owner="t"), text="moves")
    keys.data_key_move(data_key=probe.data_key, scope="unit:2", from_scope="unit:1")
    keys.clear_caches()
    fresh = Probe.objects.select_related("data_key__unit_key").get(pk=probe.pk)
    assert fresh.data_key.unit_key.scope == "unit:2"
    assert fresh.text == "moves"


# --- the blind-index master ---------------------------------------------------


def _phones(n: int) -> list[Probe]:
    return [ProbeFactory(phone=f"+95942{i:07d}") for i in range(n)]


def test_rotate_keys_replaces_the_blind_index_master_and_lookups_still_find(passphrase_file):
    """The attack: the old blind-index master leaked (an old backup of the key
    ring and its passphrase). Holding it, one computes the index of a known
    phone number and finds its row in the database. After rotation the
    leaked master finds nothing; staff lookups find everything."""
    probes = _phones(5)
    shredded = ProbeFactory(phone="+959420009999")
    keys.data_key_shred(data_key=shredded.data_key)
    field = Probe._meta.get_field("phone_index")
    leaked, _none = keyring.blind_index_secrets()
    target = "+959420000003"
    stolen_index = field.index_under(leaked, target)
    assert Probe.objects.filter(phone_index=stolen_index).exists()  # the attack works before

    out = StringIO()
    call_command("rotate_keys", "--passphrase-file", passphrase_file, stdout=out)

    assert "Blind-index master replaced: 5 rows re-indexed" in out.getvalue()
    current, following = keyring.blind_index_secrets()
    assert current != leaked
    assert following is None
    assert keyring.NEXT_BLIND_INDEX not in settings.VAULT_KEYRING_PATH.read_text()
    assert not Probe.objects.filter(phone_index=stolen_index).exists()
    for probe in probes:
        assert blind_index_filter(Probe.objects.all(), "phone_index", probe.phone) == [probe]
    assert Probe.objects.get(pk=shredded.pk).phone_index is None


def test_keep_blind_index_leaves_the_master_alone(passphrase_file):
    probe = _phones(1)[0]
    before = (keyring.blind_index_secrets(), Probe.objects.get(pk=probe.pk).phone_index)
    call_command("rotate_keys", "--keep-blind-index", "--passphrase-file", passphrase_file)
    assert (keyring.blind_index_secrets(), Probe.objects.get(pk=probe.pk).phone_index) == before


def test_an_interrupted_blind_index_rotation_keeps_lookups_working_and_reruns(
    passphrase_file,
):
    """A crash between the key ring's new master and the end of the rebuild."""
    old = _phones(3)
    keyring.blind_index_rotation_begin(TEST_PASSPHRASE)
    # Partly rebuilt: one old row re-indexed, a new row written meanwhile.
    field = Probe._meta.get_field("phone_index")
    _current, following = keyring.blind_index_secrets()
    assert following is not None
    Probe.objects.filter(pk=old[0].pk).update(
        phone_index=field.index_under(following, old[0].phone)
    )
    new = ProbeFactory(phone="+959430000001")
    assert new.phone_index == field.index_under(following, new.phone)
    for probe in [*old, new]:
        assert blind_index_filter(Probe.objects.all(), "phone_index", probe.phone) == [probe]

    out = StringIO()
    call_command("rotate_keys", "--passphrase-file", passphrase_file, stdout=out, stderr=StringIO())
    assert "an interrupted rotation finished" in out.getvalue()
    current, following_after = keyring.blind_index_secrets()
    assert current == following
    assert following_after is None
    for probe in [*old, new]:
        stored = Probe.objects.get(pk=probe.pk).phone_index
        assert stored == field.index_under(current, probe.phone)
        assert blind_index_filter(Probe.objects.all(), "phone_index", probe.phone) == [probe]


def test_a_tampered_indexed_value_stops_the_rebuild_loudly(passphrase_file):
    probes = _phones(2)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE vault_probe_probe SET phone = (SELECT phone FROM vault_probe_probe "
            "WHERE id = %s) WHERE id = %s",
            [probes[0].pk, probes[1].pk],
        )
    with pytest.raises(CommandError, match=r"integrity|another record"):
        call_command("rotate_keys", "--passphrase-file", passphrase_file, stderr=StringIO())
    # The rebuild stopped with the key ring holding both masters; finish it
    # for the tests that follow (they share the session's key ring).
    assert keyring.blind_index_secrets()[1] is not None
    keyring.blind_index_rotation_finish(TEST_PASSPHRASE)

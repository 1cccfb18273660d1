"""Rotation: afterwards no stored value carries a retired key id."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import TEST_PASSPHRASE
from safepassage.vault import keyring, keys, rotation
from safepassage.vault.fields import PendingFile
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
    keys.data_key_move(data_key=probe.data_key, scope="unit:2")
    keys.clear_caches()
    fresh = Probe.objects.select_related("data_key__unit_key").get(pk=probe.pk)
    assert fresh.data_key.unit_key.scope == "unit:2"
    assert fresh.text == "moves"

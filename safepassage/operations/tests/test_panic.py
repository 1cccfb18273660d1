"""Panic: the key ring destroyed on disk, every process's keys unusable at
its next key use, the web control protected, recovery through escrow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from conftest import TEST_PASSPHRASE
from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory, password_just_given, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.cases.models import Case, CaseEvent, EventKind, Person
from safepassage.cases.services import write as case_write
from safepassage.vault import api as vault
from safepassage.vault import escrow, keyring, keys
from safepassage.vault.exceptions import KeyRingError, VaultLocked

CHILD = Path(__file__).with_name("panic_child.py")


@pytest.fixture
def own_ring(tmp_path, settings, passphrase_file):
    """A key ring of its own (no database needed), the session's back afterwards."""
    session_ring = Path(settings.VAULT_KEYRING_PATH)
    ring = tmp_path / "ring" / "keyring.json"
    settings.VAULT_KEYRING_PATH = ring
    keyring.keyring_create(TEST_PASSPHRASE, path=ring)
    keyring.unlock(TEST_PASSPHRASE, path=ring)
    yield ring
    keyring.panic_clear()
    keyring.unlock(TEST_PASSPHRASE, path=session_ring)


def test_panic_destroys_the_file_and_this_process_keys(own_ring):
    assert vault.is_unlocked()
    destroyed = keyring.panic()
    assert destroyed == [own_ring]
    assert not own_ring.exists()
    assert keyring.panicked()
    assert not vault.is_unlocked()
    with pytest.raises(VaultLocked):
        vault.system_secret("seal")
    with pytest.raises(KeyRingError, match="panic"):
        keyring.unlock(TEST_PASSPHRASE)
    assert keyring.panic() == []  # a second panic is harmless


def test_every_other_process_refuses_at_its_next_key_use(own_ring, passphrase_file):
    children = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, str(CHILD), str(own_ring), str(passphrase_file)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        keyring.panic()
        for child in children:
            out, _ = child.communicate(timeout=60)
            lines = out.split("\n")
            assert lines[0].startswith("refused ")
            assert lines[1] == "unlock refused"
    finally:
        for child in children:
            child.kill()


def test_recovery_through_escrow_after_a_panic(own_ring, tmp_path):
    original = keyring.system_secret("audit-anchor")
    made = escrow.escrow_create(threshold=2, shares=3, instance=vault.instance_id())
    keyring.panic()
    with pytest.raises(VaultLocked):
        keyring.system_secret("audit-anchor")
    escrow.escrow_recover(document=made.document, shares=made.shares[1:], passphrase="x" * 20)
    with pytest.raises(KeyRingError, match="panic"):  # the marker still stands
        keyring.unlock("x" * 20)
    own_ring.rename(own_ring.with_name("aside"))
    with pytest.raises(CommandError, match="recover one first"):
        call_command("vault_panic", clear=True)
    own_ring.with_name("aside").rename(own_ring)
    call_command("vault_panic", clear=True)
    keyring.unlock("x" * 20)
    assert keyring.system_secret("audit-anchor") == original


@pytest.mark.django_db
def test_cached_keys_are_refused_too(seeded, keyring_restored):
    person = Person.objects.get(case=seeded["cases"][0])
    assert person.name_latin  # the data key is now in the cache
    keyring.panic_marker_path().write_text("test")
    fresh = Person.objects.get(pk=person.pk)
    with pytest.raises(VaultLocked):
        _ = fresh.name_latin
    with pytest.raises(VaultLocked):
        keys._data_cache.get(person.data_key_id)


@pytest.mark.django_db
def test_vault_panic_command_audits_then_destroys(keyring_restored):
    events = AuditEvent.objects.count()
    call_command("vault_panic", yes=True)
    assert not keyring_restored.exists()
    assert not vault.is_unlocked()
    assert AuditEvent.objects.count() == events + 1  # recorded before the keys went


@pytest.fixture
def admin_client(seeded):
    admin = UserFactory(unit=seeded["unit"], roles=[Role.ADMINISTRATOR])
    client = Client()
    sign_in(client, admin)
    return client


@pytest.mark.django_db
def test_web_control_needs_the_password_again_and_the_word(admin_client, keyring_restored):
    url = reverse("operations:panic")
    first = admin_client.get(url)
    assert first.status_code == 302
    assert reverse("accounts:confirm_password") in first["Location"]
    assert admin_client.post(url, {"confirm": "PANIC"}).status_code == 302
    assert keyring_restored.exists()

    password_just_given(admin_client)
    assert admin_client.get(url).status_code == 200
    wrong = admin_client.post(url, {"confirm": "panic"})
    assert wrong.status_code == 400
    assert keyring_restored.exists()
    assert vault.is_unlocked()

    done = admin_client.post(url, {"confirm": "PANIC"})
    assert done.status_code == 200
    assert b"Key ring destroyed" in done.content
    assert not keyring_restored.exists()
    after = admin_client.get(reverse("core:home"))
    assert after.status_code == 503  # the locked page, for everyone


@pytest.mark.django_db
def test_web_control_is_off_where_the_setting_says(admin_client, settings, keyring_restored):
    settings.PANIC_CONTROL_ENABLED = False
    password_just_given(admin_client)
    assert admin_client.get(reverse("operations:panic")).status_code == 404
    assert admin_client.post(reverse("operations:panic"), {"confirm": "PANIC"}).status_code == 404
    assert keyring_restored.exists()


@pytest.mark.django_db
def test_a_panic_during_a_request_gives_the_locked_page_and_writes_nothing(
    seeded, keyring_restored, monkeypatch
):
    """The panic lands between two decrypts of one request: the answer is the
    locked page (503), not an error page, and nothing personal is in it."""
    client = Client()
    sign_in(client, seeded["handler"])
    case = seeded["cases"][0]
    cases_before = Case.objects.count()
    events_before = AuditEvent.objects.count()
    original = keys.data_key_bytes
    calls = {"n": 0}

    def panicking(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            keyring.panic()
        return original(*args, **kwargs)

    monkeypatch.setattr(keys, "data_key_bytes", panicking)
    keys.clear_caches()
    response = client.get(reverse("cases:detail", kwargs={"code": case.code}))
    assert calls["n"] >= 2
    assert response.status_code == 503
    assert b"Maung" not in response.content
    assert Case.objects.count() == cases_before
    # At most the read that began before the panic is on record.
    assert AuditEvent.objects.count() <= events_before + 1


@pytest.mark.django_db(transaction=True)
def test_a_panic_in_the_middle_of_a_write_gives_the_locked_page_and_keeps_nothing(
    seeded, keyring_restored, monkeypatch
):
    """A note is being added: its encrypted row is written, then the panic
    lands before the audit event. The answer is the locked page (503), not an
    error page, and the transaction is rolled back: no note, no new version,
    no audit event (committed for real: the test runs outside a wrapping
    transaction)."""
    client = Client()
    sign_in(client, seeded["handler"])
    case = Case.objects.get(pk=seeded["cases"][0].pk)
    notes_before = CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).count()
    events_before = AuditEvent.objects.count()
    original = case_write.audit_record
    reached = {"note_written": False}

    def panic_then_audit(**kwargs):
        if kwargs.get("action") == "cases.note_added":
            reached["note_written"] = (
                CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).count() == notes_before + 1
            )
            keyring.panic()
        return original(**kwargs)

    monkeypatch.setattr(case_write, "audit_record", panic_then_audit)
    response = client.post(
        reverse("cases:note", kwargs={"code": case.code}),
        {"body": "Maung Panic Note", "expected_version": case.version},
    )
    assert reached["note_written"]  # the panic came after the row was written
    assert response.status_code == 503
    assert b"Maung" not in response.content
    assert b"Traceback" not in response.content
    assert CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).count() == notes_before
    assert Case.objects.get(pk=case.pk).version == case.version
    assert AuditEvent.objects.count() == events_before

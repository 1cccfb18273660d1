"""A case is readable only under the key of the unit that owns it now.

The attack (issue 18, point 2): `UPDATE cases_case SET unit_id=<another
unit>` made the other unit's handler read the case's name, NRC and photo,
although its data key was still wrapped under the first unit's key. These
tests perform that change with raw SQL, and show that every reader is now
refused, that the refusal is audited, and that a real transfer still hands
the case over.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from PIL import Image

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory, UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.cases import selectors, services
from safepassage.cases.models import Case, CaseTransfer, Person, TransferStatus
from safepassage.cases.tests.factories import case_create, person_create, phone_add
from safepassage.vault import keys
from safepassage.vault.exceptions import DecryptionError, UnitMismatch
from safepassage.vault.fields import PendingFile
from safepassage.vault.models import DataKey, UnitKey
from safepassage.vault.rows import decrypted_values

pytestmark = pytest.mark.django_db

NAME = "Maung Zaw Win"
NRC = "12/မရက(နိုင်)123456"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def _signed_in(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _move_column_by_hand(case: Case, unit) -> None:
    with connection.cursor() as cur:
        cur.execute("UPDATE cases_case SET unit_id = %s WHERE id = %s", [unit.pk, case.pk])


def _alerts(case: Case) -> list[AuditEvent]:
    """Alerts about the case or a record under it (the first one refused)."""
    person = Person.objects.filter(case=case).values_list("pk", flat=True).first()
    return list(
        AuditEvent.objects.filter(action="vault.unit_mismatch").filter(
            Q(target_type="cases.case", target_id=str(case.pk))
            | Q(target_type="cases.person", target_id=str(person))
        )
    )


@pytest.fixture
def owner():
    return UnitFactory()


@pytest.fixture
def other():
    return UnitFactory()


@pytest.fixture
def case(owner):
    case = case_create(unit=owner, summary="meet at the bridge")
    person = person_create(case, name_latin=NAME, nrc=NRC)
    person.photo = PendingFile(_png(), content_type="image/png")
    person.save()
    phone_add(person, "+959420000123")
    return case


@pytest.mark.parametrize("warm_cache", [True, False], ids=["warm", "cold"])
def test_a_unit_column_changed_by_hand_opens_the_case_to_nobody(case, owner, other, warm_cache):
    owner_client = _signed_in(UserFactory(unit=owner, roles=[Role.UNIT_HANDLER]))
    other_handler = UserFactory(unit=other, roles=[Role.UNIT_HANDLER])
    other_client = _signed_in(other_handler)
    detail = reverse("cases:detail", kwargs={"code": case.code})
    photo = reverse("cases:person_photo", kwargs={"code": case.code})
    assert NAME in owner_client.get(detail).content.decode()
    if not warm_cache:
        keys.clear_caches()

    _move_column_by_hand(case, other)

    for url in (detail, photo):
        response = other_client.get(url)
        assert response.status_code == 409, url
        assert NAME.encode() not in response.content
        assert b"PNG" not in response.content
    with pytest.raises(UnitMismatch):  # an exact look-up confirms by decrypting
        selectors.cases_find_by_nrc(user=other_handler, nrc=NRC)
    # The owner is refused too: the column no longer names it.
    assert owner_client.get(detail).status_code == 404
    alerts = _alerts(case)
    assert alerts, "the refusal is audited"
    assert alerts[0].unit_id == other.pk
    assert alerts[0].details["expected_scope"] == keys.scope_for_unit(other.pk)
    assert alerts[0].details["bound_scope"] == keys.scope_for_unit(owner.pk)
    assert alerts[0].details["bound_unit"] == owner.pk


def test_every_record_under_the_case_is_refused_not_only_the_case_row(case, other):
    _move_column_by_hand(case, other)
    keys.clear_caches()
    fresh = Case.objects.get(pk=case.pk)
    with pytest.raises(UnitMismatch):
        _ = fresh.summary
    person = Person.objects.select_related("case").get(case=case)
    for field in ("name_latin", "nrc", "photo"):
        with pytest.raises(UnitMismatch):
            getattr(Person.objects.select_related("case").get(pk=person.pk), field)
    with pytest.raises(UnitMismatch):
        _ = person.phones.get().number
    with pytest.raises(UnitMismatch):
        _ = fresh.events.first().body


def test_the_bulk_reader_refuses_a_moved_row_like_the_instance_reader(case, other):
    rows = Person.objects.filter(case=case)
    assert list(decrypted_values(rows, ["name_latin"])) == [(NAME,)]
    _move_column_by_hand(case, other)
    with pytest.raises(UnitMismatch):
        list(decrypted_values(rows, ["name_latin"]))
    [alert] = _alerts(case)
    assert alert.target_type == "cases.person"
    assert alert.details["model"] == "cases.person"


def test_writing_under_a_moved_column_is_refused_too(case, owner, other):
    _move_column_by_hand(case, other)
    fresh = Case.objects.get(pk=case.pk)
    fresh.summary = "overwritten by the other unit"
    with pytest.raises(UnitMismatch):
        fresh.save()


def test_moving_the_data_key_row_as_well_still_fails(case, other):
    """The attacker also points the data key at the other unit's key."""
    _move_column_by_hand(case, other)
    other_key = keys.unit_key_get_or_create(scope=keys.scope_for_unit(other.pk))
    uuid_field = DataKey._meta.get_field("id")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE vault_datakey SET unit_key_id = %s WHERE id = %s",
            [
                uuid_field.get_db_prep_value(other_key.id, connection),
                uuid_field.get_db_prep_value(case.data_key_id, connection),
            ],
        )
    keys.clear_caches()
    with pytest.raises(DecryptionError):
        _ = Person.objects.select_related("case").get(case=case).name_latin


def test_renaming_a_unit_keys_scope_is_caught_with_a_warm_cache(case, owner, other):
    """The attacker renames the owner's unit key to the other unit's scope."""
    assert Person.objects.get(case=case).name_latin == NAME  # caches warm
    owner_key = UnitKey.objects.get(scope=keys.scope_for_unit(owner.pk))
    UnitKey.objects.filter(scope=keys.scope_for_unit(other.pk)).delete()
    UnitKey.objects.filter(pk=owner_key.pk).update(scope=keys.scope_for_unit(other.pk))
    _move_column_by_hand(case, other)
    with pytest.raises(DecryptionError):
        _ = Person.objects.select_related("case", "data_key__unit_key").get(case=case).name_latin


def test_a_transfer_hands_the_case_to_the_new_unit_and_not_back(case, owner, other):
    sender = UserFactory(unit=owner, roles=[Role.UNIT_HANDLER])
    receiver = UserFactory(unit=other, roles=[Role.UNIT_HANDLER])
    transfer = services.case_transfer_request(actor=sender, case=case, to_unit=other)
    services.case_transfer_accept(actor=receiver, transfer=transfer)
    detail = reverse("cases:detail", kwargs={"code": case.code})
    for cold in (False, True):
        if cold:
            keys.clear_caches()
        response = _signed_in(receiver).get(detail)
        assert response.status_code == 200
        assert NAME in response.content.decode()
        assert _signed_in(sender).get(detail).status_code == 404
    assert _alerts(case) == []
    # Moving the column back by hand does not give it back to the sender.
    _move_column_by_hand(case, owner)
    assert _signed_in(sender).get(detail).status_code == 409
    assert _alerts(case)


def test_a_transfer_cannot_launder_a_column_changed_by_hand(case, owner, other):
    third = UnitFactory()
    _move_column_by_hand(case, other)
    tampered = Case.objects.get(pk=case.pk)
    # The request writes a timeline event under the case's key: refused.
    with pytest.raises(UnitMismatch):
        services.case_transfer_request(
            actor=UserFactory(unit=other, roles=[Role.UNIT_HANDLER]), case=tampered, to_unit=third
        )
    # Even a transfer row made by hand is refused at acceptance.
    transfer = CaseTransfer.objects.create(case=tampered, from_unit=other, to_unit=third)
    before = len(_alerts(case))
    with pytest.raises(UnitMismatch):
        services.case_transfer_accept(
            actor=UserFactory(unit=third, roles=[Role.UNIT_HANDLER]), transfer=transfer
        )
    assert CaseTransfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING
    stored = Case.objects.select_related("data_key__unit_key").get(pk=case.pk)
    assert stored.unit_id == other.pk
    assert stored.data_key.unit_key.scope == keys.scope_for_unit(owner.pk)
    assert len(_alerts(case)) == before + 1, "audited although the transfer rolled back"


def test_search_results_of_the_owner_still_read_after_a_transfer(case, owner, other):
    transfer = services.case_transfer_request(
        actor=UserFactory(unit=owner, roles=[Role.UNIT_HANDLER]), case=case, to_unit=other
    )
    receiver = UserFactory(unit=other, roles=[Role.UNIT_HANDLER])
    services.case_transfer_accept(actor=receiver, transfer=transfer)
    keys.clear_caches()
    assert [c.pk for c in selectors.cases_find_by_nrc(user=receiver, nrc=NRC)] == [case.pk]
    owner_handler = UserFactory(unit=owner, roles=[Role.UNIT_HANDLER])
    assert selectors.cases_find_by_nrc(user=owner_handler, nrc=NRC) == []


def test_the_census_command_lists_rows_moved_by_hand_and_nothing_personal(case, other, capsys):
    call_command("vault_check_units")
    assert "each under its unit's key" in capsys.readouterr().out
    _move_column_by_hand(case, other)
    with pytest.raises(CommandError, match="not under their unit's key"):
        call_command("vault_check_units")
    out = capsys.readouterr().out
    assert f"cases.case {case.pk}: column names {keys.scope_for_unit(other.pk)}" in out
    assert f"cases.person {Person.objects.get(case=case).pk}:" in out
    assert NAME not in out


def test_a_write_refused_inside_its_transaction_is_still_audited_with_its_author(
    case, owner, other
):
    handler = UserFactory(unit=other, roles=[Role.UNIT_HANDLER])
    _move_column_by_hand(case, other)
    keys.clear_caches()
    response = _signed_in(handler).post(
        reverse("cases:note", kwargs={"code": case.code}),
        {"body": "the other unit writes", "expected_version": case.version},
    )
    assert response.status_code == 409
    # The refused row is the note being written (not saved: no id yet).
    [alert] = AuditEvent.objects.filter(action="vault.unit_mismatch")
    assert alert.details["model"] == "cases.caseevent"
    assert alert.unit_id == other.pk
    assert (alert.actor_kind, alert.actor_id) == ("user", handler.pk)
    assert alert.route == "cases:note"
    assert not case.events.filter(kind="note").exists()

"""The case's person and family: every field encrypted under the case's
key; the audit names the fields changed, never their values."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.vault.fields import PendingFile, StoredFile

from ..models import Case, FamilyMember, Person, PersonPhone
from ..policies import PERSON_EDITORS
from ..selectors.person import PERSON_FIELDS
from .write import _case_write


@transaction.atomic
def person_save(
    *,
    actor: User,
    case: Case,
    data: dict[str, Any],
    phones: list[str],
    expected_version: int | None = None,
) -> Person:
    """Create or update the case's person from cleaned form data (PersonForm).

    Values arrive normalised (Unicode Burmese, canonical NRC, E.164 phones).
    `data["photo"]`, an uploaded image, replaces the stored photo (its
    metadata stripped on save); `data["photo_remove"]` removes it. A
    replaced or removed photo's encrypted file is deleted once the
    transaction commits. The audit event names the fields that changed,
    never their values.
    """
    with _case_write(
        case,
        actor=actor,
        action="cases.person_saved",
        roles=PERSON_EDITORS,
        expected_version=expected_version,
    ) as write:
        person, changed = _person_write(write.case, data, phones)
        write.details = {"fields": sorted(changed)}
    return person


def _person_write(
    locked: Case, data: dict[str, Any], phones: list[str]
) -> tuple[Person, list[str]]:
    person = Person.objects.filter(case=locked).first() or Person(
        case=locked, data_key=locked.data_key
    )
    changed = [
        name
        for name in PERSON_FIELDS
        if getattr(person, name) != (data.get(name) if data.get(name) != "" else None)
    ]
    for name in PERSON_FIELDS:
        value = data.get(name)
        setattr(person, name, value if value not in ("", []) else None)
    old_photo = person.photo if person.pk else None
    if data.get("photo"):
        person.photo = PendingFile.from_file(data["photo"])
        changed.append("photo")
    elif data.get("photo_remove") and old_photo:
        person.photo = None
        changed.append("photo")
    else:
        old_photo = None  # kept
    person.save()
    if isinstance(old_photo, StoredFile):
        path = old_photo.path
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
    existing = {p.number: p for p in person.phones.all()} if person.pk else {}
    for number, phone in existing.items():
        if number not in phones:
            phone.delete()
    for number in phones:
        if number not in existing:
            PersonPhone.objects.create(person=person, data_key=locked.data_key, number=number)
    if set(existing) != set(phones):
        changed.append("phones")
    return person, changed


FAMILY_FIELDS = ("relation", "name", "township", "risk_notes")


# Who may record a case's family: those who edit the person, and the
# protection officers who assess the family's risk.
FAMILY_EDITORS = PERSON_EDITORS | {Role.PROTECTION_OFFICER}


@transaction.atomic
def family_member_save(
    *,
    actor: User,
    case: Case,
    relation: str,
    name: str,
    township: str,
    risk_notes: str,
    member: FamilyMember | None = None,
) -> FamilyMember:
    """Add a family member to the case's person, or change `member`.

    Every field is encrypted under the case's key. Refused (ValidationError)
    while the case has no person; the audit names the fields changed,
    never their values.
    """
    values = {"relation": relation, "name": name, "township": township, "risk_notes": risk_notes}
    with _case_write(
        case, actor=actor, action="cases.family_member_saved", roles=FAMILY_EDITORS
    ) as write:
        locked = write.case
        person = Person.objects.filter(case=locked).first()
        if person is None:
            raise ValidationError(
                _("Record the person first; family members belong to the person.")
            )
        if member is not None and member.person_id != person.pk:
            raise PermissionDenied
        target = member or FamilyMember(person=person, data_key=locked.data_key)
        changed = sorted(k for k, v in values.items() if getattr(target, k) != (v or None))
        for key, value in values.items():
            setattr(target, key, (value or "").strip() or None)
        target.save()
        write.details = {"member": target.pk, "created": member is None, "fields": changed}
    return target

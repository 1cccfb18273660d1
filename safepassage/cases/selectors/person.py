"""The case's person and family as the forms and pages read them (the
caller audits the fields it shows)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safepassage.geo.selectors import township_by_pcode
from safepassage.vault.fields import StoredFile

from ..models import Case, FamilyMember, Person

if TYPE_CHECKING:
    pass


#: The person's own fields, as the person form edits them and the case
#: page shows them (one list for writes and reads).
PERSON_FIELDS = (
    "honorific",
    "name_my",
    "name_latin",
    "aliases",
    "sex",
    "birth",
    "father_name",
    "nrc",
    "home_township",
)


def case_family(*, case: Case) -> list[FamilyMember]:
    """The family members of the case's person, with their keys (not yet
    decrypted: the caller audits the read of the fields it shows)."""
    return list(
        FamilyMember.objects.filter(person__case=case)
        .select_related("person__case", "data_key__unit_key")
        .order_by("id")
    )


def family_member_get(*, case: Case, pk: int) -> FamilyMember | None:
    """One family member of this case's person, or None (absent or another
    case's: the caller answers both alike)."""
    return (
        FamilyMember.objects.filter(person__case=case, pk=pk)
        .select_related("person__case", "data_key__unit_key")
        .first()
    )


def case_has_person(*, case: Case) -> bool:
    return Person.objects.filter(case=case).exists()


def person_photo(*, case: Case) -> StoredFile | None:
    """The stored photo of the case's person, if any (not yet decrypted)."""
    person = Person.objects.filter(case=case).select_related("case", "data_key__unit_key").first()
    photo = person.photo if person is not None else None
    return photo if isinstance(photo, StoredFile) else None


def person_initial(*, case: Case) -> dict[str, Any]:
    """The person's values as PersonForm initial data (decrypts every field)."""
    person = Person.objects.filter(case=case).select_related("case", "data_key__unit_key").first()
    if person is None:
        return {}
    birth = person.birth or {}
    return {
        "honorific": person.honorific or "",
        "name_my": person.name_my or "",
        "name_latin": person.name_latin or "",
        "aliases": "\n".join(person.aliases or []),
        "sex": person.sex or "",
        "birth_precision": birth.get("precision", ""),
        "birth_date": birth.get("date", ""),
        "birth_year": birth.get("year", ""),
        "father_name": person.father_name or "",
        "nrc": person.nrc or "",
        "phones": "\n".join(p.number for p in person.phones.select_related("data_key__unit_key")),
        "home_township": _township_label(person.home_township),
    }


def _township_label(pcode: str | None) -> str:
    """The person form's text for a stored place code: "Name (MMR…)"."""
    if not pcode:
        return ""
    township = township_by_pcode(pcode)
    return township_label(township.pcode, township.name_en) if township else pcode


def township_label(pcode: str, name_en: str) -> str:
    """How a chosen township is written back into the box."""
    return f"{name_en} ({pcode})"

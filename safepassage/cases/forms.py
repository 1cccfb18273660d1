"""Input boundary for people: Burmese normalised once, numbers canonical, dates sane."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.forms.widgets import Script
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import Unit
from safepassage.accounts.selectors import units_active
from safepassage.language.digits import digits_to_ascii
from safepassage.language.errors import PhoneNumberError
from safepassage.language.fields import BurmeseCharField, NRCField
from safepassage.language.phone import normalize_phone

from .army_units import RANK_BY_CODE, RANKS, UNIT_TYPES, unit_left_value
from .models import (
    Category,
    Priority,
    Stage,
)
from .selectors.person import township_label
from .selectors.search import detect_query_kind
from .workflow import Status

MAX_PHONES = 5
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
# A fuzzy township match is taken only when this good and clearly ahead.
TOWNSHIP_ACCEPT_SCORE = 90
# "Hlaing Thar Yar (MMR013008)": a name followed by its place code, as the
# suggestions and the "Which township?" error write it.
_NAMED_PCODE = re.compile(r"\((MMR\d{6})\)\s*$", re.IGNORECASE)


class TownshipInput(forms.TextInput):
    """A text box that suggests townships as one types (htmx, POST).

    Without JavaScript it is a plain text box and the form resolves the
    name on submit; with htmx, suggestions come from
    `cases:township_suggest` and picking one swaps in the box filled with
    "Name (place code)" (`cases:township_pick`). Both are POSTs carrying
    the typed text (or the code) and the form's CSRF token only
    (`hx-params`): the person's township never goes into a URL.
    """

    template_name = "cases/widgets/township_input.html"

    class Media:
        # htmx is fetched only by pages with a widget that uses it (16 KiB
        # on a slow link); the page renders `form.media` in its head.
        js = [Script("vendor/htmx/htmx.min.js", defer=True)]

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults: dict[str, Any] = {
            "autocomplete": "off",
            "hx-post": reverse_lazy("cases:township_suggest"),
            "hx-params": "csrfmiddlewaretoken,home_township",
            "hx-trigger": "input changed delay:400ms",
            "hx-target": "#township-suggestions",
            "hx-sync": "this:replace",
        }
        super().__init__({**defaults, **(attrs or {})})


EARLIEST_BIRTH_YEAR = 1930


class Sex(forms.ChoiceField):
    CHOICES = [
        ("", _("Not given")),
        ("male", _("Male")),
        ("female", _("Female")),
        ("other", _("Other")),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=self.CHOICES, required=False, **kwargs)


class BirthPrecision:
    UNKNOWN = ""
    DAY = "day"
    YEAR = "year"
    APPROXIMATE = "approximate"
    CHOICES = [
        (UNKNOWN, _("Not known")),
        (DAY, _("Full date")),
        (YEAR, _("Year only")),
        (APPROXIMATE, _("Approximate year")),
    ]


class PersonForm(forms.Form):
    honorific = BurmeseCharField(label=_("Honorific"), max_length=40, required=False)
    name_my = BurmeseCharField(label=_("Name in Burmese"), max_length=200, required=False)
    name_latin = forms.CharField(label=_("Name in Latin letters"), max_length=200, required=False)
    aliases = BurmeseCharField(
        label=_("Aliases and noms de guerre"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    sex = Sex(label=_("Sex"))
    birth_precision = forms.ChoiceField(
        label=_("Date of birth is"), choices=BirthPrecision.CHOICES, required=False
    )
    birth_date = forms.CharField(
        label=_("Date of birth"),
        required=False,
        max_length=20,
        help_text=_("Year-month-day, e.g. 2001-04-23."),
    )
    birth_year = forms.CharField(label=_("Year of birth"), required=False, max_length=8)
    father_name = BurmeseCharField(label=_("Father's name"), max_length=200, required=False)
    nrc = NRCField(label=_("NRC number"), required=False)
    phones = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    home_township = forms.CharField(
        label=_("Home township"),
        max_length=100,
        required=False,
        widget=TownshipInput,
        help_text=_("A township name in English or Burmese, or its MIMU place code."),
    )
    photo = forms.ImageField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(PHOTO_TYPES)}),
        help_text=_("JPEG, PNG or WebP, at most 5 MB. Location and camera data are removed."),
    )
    photo_remove = forms.BooleanField(label=_("Remove the stored photo"), required=False)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean_photo(self) -> Any:
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        if photo.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo is larger than 5 MB."))
        # ImageField has opened it with Pillow; trust what Pillow read, not the name.
        if getattr(photo, "content_type", None) not in PHOTO_TYPES:
            raise forms.ValidationError(_("The photo must be a JPEG, PNG or WebP image."))
        return photo

    def clean_aliases(self) -> list[str]:
        text = self.cleaned_data.get("aliases") or ""
        aliases = [line.strip() for line in text.splitlines() if line.strip()]
        if len(aliases) > 20:
            raise forms.ValidationError(_("At most 20 aliases."))
        return aliases

    def clean_home_township(self) -> str:
        """The MIMU place code of the township typed; a clear error if unclear."""
        from safepassage.geo.selectors import township_by_pcode, township_search

        text = self.cleaned_data.get("home_township") or ""
        if not text.strip():
            return ""
        named = _NAMED_PCODE.search(text)
        if named:
            township = township_by_pcode(named.group(1))
            if township is None:
                raise forms.ValidationError(_("No township of that name is known."))
            return township.pcode
        matches = township_search(text, limit=3)
        if (
            matches
            and (matches[0].exact or matches[0].score >= TOWNSHIP_ACCEPT_SCORE)
            and (len(matches) == 1 or matches[0].exact or matches[1].score < matches[0].score)
        ):
            return matches[0].pcode
        if not matches:
            raise forms.ValidationError(_("No township of that name is known."))
        raise forms.ValidationError(
            _("Which township? %(options)s"),
            params={"options": "; ".join(township_label(m.pcode, m.name_en) for m in matches)},
        )

    def clean_phones(self) -> list[str]:
        lines = [ln.strip() for ln in (self.cleaned_data.get("phones") or "").splitlines()]
        lines = [ln for ln in lines if ln]
        if len(lines) > MAX_PHONES:
            raise forms.ValidationError(
                _("At most %(count)d phone numbers."), params={"count": MAX_PHONES}
            )
        numbers: list[str] = []
        for line in lines:
            try:
                number = normalize_phone(line)
            except PhoneNumberError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from None
            if number not in numbers:
                numbers.append(number)
        return numbers

    def _year(self, text: str) -> int | None:
        try:
            year = int(digits_to_ascii(text).strip())
        except ValueError:
            self.add_error("birth_year", _("Enter the year as four digits."))
            return None
        if not EARLIEST_BIRTH_YEAR <= year <= timezone.localdate().year:
            self.add_error("birth_year", _("This year of birth is not possible."))
            return None
        return year

    def _date(self, text: str) -> dt.date | None:
        try:
            born = dt.date.fromisoformat(digits_to_ascii(text).strip())
        except ValueError:
            self.add_error("birth_date", _("This date does not exist. Use year-month-day."))
            return None
        if not dt.date(EARLIEST_BIRTH_YEAR, 1, 1) <= born <= timezone.localdate():
            self.add_error("birth_date", _("This date of birth is not possible."))
            return None
        return born

    def clean(self) -> dict[str, Any]:
        """Builds `birth`: None, or {"precision", "date"} / {"precision", "year"}."""
        data = super().clean() or {}
        precision = data.get("birth_precision") or ""
        raw_date = (data.get("birth_date") or "").strip()
        raw_year = (data.get("birth_year") or "").strip()
        data["birth"] = None
        if precision == BirthPrecision.DAY:
            born = self._date(raw_date)
            if born is not None:
                data["birth"] = {"precision": precision, "date": born.isoformat()}
        elif precision in (BirthPrecision.YEAR, BirthPrecision.APPROXIMATE):
            year = self._year(raw_year)
            if year is not None:
                data["birth"] = {"precision": precision, "year": year}
        elif raw_date or raw_year:
            self.add_error(
                "birth_precision", _("Say whether the date is full, a year, or approximate.")
            )
        return data


class CaseOpenForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("Not known yet")), *Category.choices],
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    summary = BurmeseCharField(
        label=_("Summary"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only what the team needs to plan. It is encrypted."),
    )


class VersionedForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


def _rank_choices() -> list[tuple[Any, Any]]:
    army = [(r.code, r.label) for r in RANKS if r.force == "army"]
    police = [(r.code, r.label) for r in RANKS if r.force == "police"]
    return [("", _("Not known")), (_("Army"), army), (_("Police"), police)]


class ServiceRecordForm(VersionedForm):
    """What the person left, chosen from lists so that reports can count it.

    ``clean`` builds ``unit_left`` (``army_units.unit_left_value``) and
    ``rank`` (the rank's Burmese term, or "" when not known).
    """

    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Not known yet")), *Category.choices]
    )
    stage = forms.ChoiceField(
        label=_("Stage at defection"),
        required=False,
        choices=[("", _("Not known yet")), *Stage.choices],
    )
    rank = forms.ChoiceField(label=_("Rank"), required=False, choices=_rank_choices)
    unit_type = forms.ChoiceField(
        label=_("Type of unit left"),
        required=False,
        choices=[("", _("Not known")), *((t.code, t.label) for t in UNIT_TYPES)],
        error_messages={"invalid_choice": _("Choose a unit type from the list.")},
    )
    unit_number = forms.CharField(
        label=_("Number of the unit left"),
        required=False,
        max_length=8,
        help_text=_("Only the number, e.g. 345 for LIB 345."),
    )
    unit_left_text = BurmeseCharField(
        label=_("Unit left, as the person said it"),
        required=False,
        max_length=200,
        help_text=_("Company, base or anything the lists above cannot say. It is encrypted."),
    )
    batch_number = forms.CharField(
        label=_("Conscription batch number"), required=False, max_length=8
    )
    batch_year = forms.CharField(label=_("Conscription batch year"), required=False, max_length=8)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["unit_left"] = unit_left_value(
                unit_type=data.get("unit_type"),
                unit_number=data.get("unit_number"),
                batch_number=data.get("batch_number"),
                batch_year=data.get("batch_year"),
            )
        except forms.ValidationError as exc:
            for name, errors in exc.message_dict.items():
                if name not in self.errors:
                    self.add_error(name, errors)
        rank = RANK_BY_CODE.get(data.get("rank") or "")
        data["rank_term"] = rank.term if rank else ""
        return data


class TransitionForm(VersionedForm):
    target = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    reason = BurmeseCharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Set by the confirmation page of a move that is not easily undone.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class NoteForm(VersionedForm):
    body = BurmeseCharField(
        label=_("Note"), max_length=8000, widget=forms.Textarea(attrs={"rows": 3})
    )


def transfer_targets(user: Any) -> QuerySet[Unit]:
    """The units a case of this user's unit may be offered to."""
    return units_active(exclude_id=user.unit_id)


class TransferForm(VersionedForm):
    to_unit = forms.ModelChoiceField(label=_("Unit"), queryset=units_active().none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[Unit]", self.fields["to_unit"])
        field.queryset = transfer_targets(user)


class SearchForm(forms.Form):
    """One box: a case code, phone, NRC or service number, or a name."""

    q = BurmeseCharField(label=_("Search"), max_length=100, min_length=2)
    kind = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["kind"] = detect_query_kind(data.get("q") or "")
        return data


class TaskForm(forms.Form):
    title = BurmeseCharField(label=_("Task"), max_length=300)
    due_on = forms.DateField(label=_("Due"), required=False, help_text=_("Year-month-day."))

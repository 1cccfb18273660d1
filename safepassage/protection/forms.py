"""Forms of the protection pages. They validate; the services decide."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.accounts.selectors import staff_active_in_unit, staff_among
from safepassage.geo.selectors import township_by_pcode, township_search

from .models import MeasureKind, RiskLevel, ThreatKind
from .services import REVIEW_HORIZON_DAYS, TEXT_MAX, ThreatInput
from .workflow import MeasureState

_LEVELS = [("", _("Choose a level")), *[(str(v), label) for v, label in RiskLevel.choices]]
_PCODE = re.compile(r"(MMR\d{6})", re.IGNORECASE)
TOWNSHIP_ACCEPT_SCORE = 90


def _kind_label(kind: ThreatKind) -> str:
    if (get_language() or "").startswith("my") and kind.label_my:
        return kind.label_my
    return kind.label


class AssessmentForm(forms.Form):
    """An overall level, a review date, a summary, and for each threat kind
    in use: a level, the factors and the measures taken."""

    level = forms.TypedChoiceField(label=_("Overall level"), choices=_LEVELS, coerce=int)
    review_on = forms.DateField(
        label=_("Review by"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("After today, within a year. An overdue review becomes a task."),
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=TEXT_MAX, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args: Any, kinds: Sequence[ThreatKind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = list(kinds)
        for kind in self.kinds:
            self.fields[f"threat_{kind.pk}_level"] = forms.TypedChoiceField(
                label=_kind_label(kind), choices=_LEVELS, coerce=int, help_text=kind.help_text
            )
            self.fields[f"threat_{kind.pk}_factors"] = forms.CharField(
                label=_("Factors"),
                required=False,
                max_length=TEXT_MAX,
                widget=forms.Textarea({"rows": 2}),
            )
            self.fields[f"threat_{kind.pk}_measures"] = forms.CharField(
                label=_("Measures taken"),
                required=False,
                max_length=TEXT_MAX,
                widget=forms.Textarea({"rows": 2}),
            )

    def threat_rows(self) -> list[tuple[ThreatKind, list[forms.BoundField]]]:
        return [
            (
                kind,
                [
                    self[f"threat_{kind.pk}_level"],
                    self[f"threat_{kind.pk}_factors"],
                    self[f"threat_{kind.pk}_measures"],
                ],
            )
            for kind in self.kinds
        ]

    def clean_review_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["review_on"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError(_("The review date must be after today."))
        if value > today + dt.timedelta(days=REVIEW_HORIZON_DAYS):
            raise forms.ValidationError(_("Review a risk assessment within a year."))
        return value

    def threats(self) -> list[ThreatInput]:
        data = self.cleaned_data
        return [
            ThreatInput(
                kind_id=kind.pk,
                level=data[f"threat_{kind.pk}_level"],
                factors=data.get(f"threat_{kind.pk}_factors", ""),
                measures_taken=data.get(f"threat_{kind.pk}_measures", ""),
            )
            for kind in self.kinds
        ]


class FamilyMemberForm(forms.Form):
    relation = forms.CharField(label=_("Relation"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    township = forms.CharField(
        label=_("Township"),
        max_length=100,
        required=False,
        help_text=_("A township name in English or Burmese, or its MIMU place code."),
    )
    risk_notes = forms.CharField(
        label=_("Risk notes"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )

    def clean_township(self) -> str:
        """The MIMU place code of the township typed; a clear error if unclear."""
        text = (self.cleaned_data.get("township") or "").strip()
        if not text:
            return ""
        code = _PCODE.search(text)
        if code:
            township = township_by_pcode(code.group(1).upper())
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
            params={"options": "; ".join(f"{m.name_en} ({m.pcode})" for m in matches)},
        )


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Measure"), choices=MeasureKind.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=staff_active_in_unit(None))
    family_member = forms.TypedChoiceField(
        label=_("For"), required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        owners: Sequence[User],
        members: Sequence[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        owner_field = cast(forms.ModelChoiceField, self.fields["owner"])  # type: ignore[type-arg]
        owner_field.queryset = staff_among(u.pk for u in owners)
        member_field = cast(forms.TypedChoiceField, self.fields["family_member"])
        member_field.choices = [("", _("The person")), *members]


class MeasureMoveForm(forms.Form):
    target = forms.ChoiceField(choices=MeasureState.choices)


class HouseForm(forms.Form):
    label = forms.CharField(
        label=_("Label"),
        max_length=120,
        help_text=_("A name staff use for the house; not its address."),
    )
    location = forms.CharField(
        label=_("Location"),
        max_length=1000,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Shown only to protection officers of this unit and of headquarters."),
    )
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=500)


class HouseEditForm(HouseForm):
    active = forms.BooleanField(label=_("In use"), required=False)


class PlacementForm(forms.Form):
    house = forms.IntegerField(min_value=1, max_value=2**62)

"""Input boundary: Burmese normalised once (BurmeseCharField), dates sane,
choices closed. The services check again; forms give the clear message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import Unit
from safepassage.accounts.selectors import units_active
from safepassage.language.fields import BurmeseCharField

from .models import (
    Dimension,
    Documents,
    Health,
    Housing,
    Income,
    PlanTemplate,
    Provider,
    ProviderKind,
    ShareItem,
)
from .who5 import ITEMS, SCALE
from .workflow import PLAN_CLOSING, PathwayKind, PlanState, ReferralStatus, StepKind, StepState

_TEXTAREA = forms.Textarea(attrs={"rows": 3})
_DATE = forms.DateInput(attrs={"type": "date"})


def _today() -> Any:
    return timezone.localdate()


class PathwayForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Pathway"), choices=PathwayKind.choices, widget=forms.RadioSelect
    )
    to_unit = forms.ModelChoiceField(
        label=_("Allied force's unit (to join a force)"),
        queryset=units_active().none(),
        required=False,
    )
    consent_given = forms.BooleanField(
        label=_("The person agreed to this pathway"),
        required=True,
        error_messages={"required": _("The pathway is recorded only with the person's consent.")},
    )
    consented_on = forms.DateField(label=_("Consent given on"), initial=_today, widget=_DATE)
    agreed = BurmeseCharField(
        label=_("What the person agreed to"), max_length=4000, widget=_TEXTAREA
    )
    reasons = BurmeseCharField(label=_("Reasons"), max_length=4000, widget=_TEXTAREA)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = units  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == PathwayKind.ALLIED_FORCE and not data.get("to_unit"):
            self.add_error("to_unit", _("Choose the allied force's unit."))
        return data


class PlanOpenForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=PlanTemplate.objects.none(),
        required=False,
        empty_label=_("An empty plan"),
    )
    starts_on = forms.DateField(label=_("The plan starts on"), initial=_today, widget=_DATE)
    consent_given = forms.BooleanField(
        label=_("The person agreed to this plan"),
        required=True,
        error_messages={"required": _("A plan is opened only with the person's recorded consent.")},
    )
    consented_on = forms.DateField(label=_("Consent given on"), initial=_today, widget=_DATE)
    agreed = BurmeseCharField(label=_("What was agreed"), max_length=4000, widget=_TEXTAREA)
    life_project = BurmeseCharField(
        label=_("The person's own aims"), max_length=4000, required=False, widget=_TEXTAREA
    )
    contact_text = BurmeseCharField(
        label=_("How the person reaches the caseworker (printed for them)"),
        max_length=400,
        required=False,
    )

    def __init__(self, *args: Any, templates: QuerySet[PlanTemplate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]


class GoalAddForm(forms.Form):
    dimension = forms.ModelChoiceField(label=_("Dimension"), queryset=Dimension.objects.none())
    title_my = BurmeseCharField(label=_("Goal in Burmese"), max_length=300, required=False)
    title_en = BurmeseCharField(label=_("Goal in English"), max_length=300, required=False)

    def __init__(self, *args: Any, dimensions: QuerySet[Dimension], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dimension"].queryset = dimensions  # type: ignore[attr-defined]


class StepAddForm(forms.Form):
    goal = forms.TypedChoiceField(label=_("Goal"), coerce=int, choices=())
    kind = forms.ChoiceField(label=_("Kind"), choices=StepKind.choices)
    due_on = forms.DateField(label=_("Due"), widget=_DATE)
    title_my = BurmeseCharField(label=_("In Burmese"), max_length=300, required=False)
    title_en = BurmeseCharField(label=_("In English"), max_length=300, required=False)

    def __init__(self, *args: Any, goals: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].choices = goals  # type: ignore[attr-defined]


class StepMoveForm(forms.Form):
    target = forms.ChoiceField(choices=StepState.choices)


class PlanCloseForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Close as"),
        choices=[(v, label) for v, label in PlanState.choices if v in PLAN_CLOSING],
    )
    reasons = BurmeseCharField(label=_("Reasons"), max_length=4000, widget=_TEXTAREA)


class ReferralForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.none())
    consent_given = forms.BooleanField(
        label=_("The person agreed to this referral"),
        required=True,
        error_messages={
            "required": _("A referral is sent only with the person's recorded consent.")
        },
    )
    consented_on = forms.DateField(label=_("Consent given on"), initial=_today, widget=_DATE)
    shared = forms.MultipleChoiceField(
        label=_("What the person agreed to share"),
        choices=ShareItem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    shared_text = BurmeseCharField(
        label=_("What is passed on (only the items above)"),
        max_length=2000,
        required=False,
        widget=_TEXTAREA,
    )

    def __init__(self, *args: Any, providers: QuerySet[Provider], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]


class ReferralMoveForm(forms.Form):
    target = forms.ChoiceField(choices=ReferralStatus.choices)
    feedback = BurmeseCharField(max_length=2000, required=False)


_YES_NO = [("", _("Not asked")), ("yes", _("Yes")), ("no", _("No"))]


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("Not asked")), *choices]


class FollowUpForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), initial=_today, widget=_DATE)
    safe = forms.ChoiceField(label=_("Is the person safe?"), choices=_YES_NO, required=False)
    housing = forms.ChoiceField(label=_("Housing"), choices=_blank(Housing.choices), required=False)
    income = forms.ChoiceField(
        label=_("Income or work"), choices=_blank(Income.choices), required=False
    )
    documents = forms.ChoiceField(
        label=_("Documents"), choices=_blank(Documents.choices), required=False
    )
    health = forms.ChoiceField(label=_("Health"), choices=_blank(Health.choices), required=False)
    needs = BurmeseCharField(label=_("Needs"), max_length=2000, required=False, widget=_TEXTAREA)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scale = [(str(value), item.text()) for value, item in SCALE]
        for index, item in enumerate(ITEMS):
            self.fields[f"who5_{index}"] = forms.TypedChoiceField(
                label=item.text(),
                choices=[("", _("Not asked")), *scale],
                coerce=int,
                required=False,
                empty_value=None,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answers = [data.get(f"who5_{i}") for i in range(len(ITEMS))]
        given = [a for a in answers if a is not None]
        if given and len(given) != len(ITEMS):
            raise forms.ValidationError(_("Answer all five wellbeing questions, or none."))
        data["who5"] = answers if given else None
        data["safe_bool"] = {"yes": True, "no": False}.get(data.get("safe") or "")
        return data

    def who5_fields(self) -> list[Any]:
        return [self[f"who5_{i}"] for i in range(len(ITEMS))]


class ProviderForm(forms.Form):
    name = BurmeseCharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of service"), choices=ProviderKind.choices)
    townships = forms.CharField(
        label=_("Townships served (place codes, comma-separated)"), max_length=2000, required=False
    )
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, required=False)
    languages = BurmeseCharField(label=_("Languages"), max_length=200, required=False)
    how_to_reach = BurmeseCharField(label=_("How to reach them"), max_length=1000, widget=_TEXTAREA)

    def clean_townships(self) -> list[str]:
        raw = self.cleaned_data.get("townships") or ""
        return [part.strip().upper() for part in raw.split(",") if part.strip()]

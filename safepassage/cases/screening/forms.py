"""The screening officer's forms: a decision, a details request and its answer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safepassage.language.fields import BurmeseCharField

from ..forms import VersionedForm
from ..models import DETAILS_NOTE_MAX, DETAILS_REASON_MAX, DetailsAnswer, ScreeningOutcome


class ScreeningDecisionForm(VersionedForm):
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=ScreeningOutcome.choices, widget=forms.RadioSelect
    )
    reasons = BurmeseCharField(
        label=_("Reasons"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DetailsRequestForm(forms.Form):
    """Ask the unit owning a matched case whether it is the same person.
    `about` is only looked up among the panel's current matches."""

    about = forms.CharField(max_length=20, widget=forms.HiddenInput)
    reason = BurmeseCharField(
        label=_("Why you ask"),
        max_length=DETAILS_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The other unit reads this. It is encrypted. Write nothing it need not know."),
    )


class DetailsAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Answer"), choices=DetailsAnswer.choices, widget=forms.RadioSelect
    )
    note = BurmeseCharField(
        label=_("Note to the asking unit"),
        required=False,
        max_length=DETAILS_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional. The asking unit reads it. It is encrypted."),
    )

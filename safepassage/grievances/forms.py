from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safepassage.cases.codes import InvalidCaseCode, case_code_normalize
from safepassage.intake.forms import WebResumeForm
from safepassage.language.fields import BurmeseCharField

from .models import GrievanceKind
from .workflow import GrievanceState


class WebComplaintForm(WebResumeForm):
    """The public complaint form: the resume form's code, receipt and flood
    guards, plus what the complaint is about and its text. The code and
    the numbers may both be left empty (a complaint without them is kept,
    unverified); a code that is not shaped like one is refused as the
    resume form would (its check symbol: it says nothing of who exists)."""

    kind = forms.ChoiceField(
        label=_("What is it about?"), choices=GrievanceKind.choices, widget=forms.RadioSelect
    )
    body = BurmeseCharField(
        label=_("Your complaint"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.fields["receipt"].required = False
        self.order_fields(["kind", "body", "code", "receipt"])

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip()
        if code:
            try:
                case_code_normalize(code)
            except InvalidCaseCode:
                raise forms.ValidationError(
                    _("That is not a case code. Check it, or leave it empty.")
                ) from None
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        one_only = bool(cleaned.get("code")) != bool((cleaned.get("receipt") or "").strip())
        if one_only and not self.errors:
            raise forms.ValidationError(
                _("Give both the case code and the two numbers, or neither.")
            )
        return cleaned


class AnswerForm(forms.Form):
    text = BurmeseCharField(
        label=_("Answer to the person"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class MoveForm(forms.Form):
    target = forms.ChoiceField(label=_("Move to"), choices=GrievanceState.choices)
    note = BurmeseCharField(
        label=_("Note (headquarters only)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

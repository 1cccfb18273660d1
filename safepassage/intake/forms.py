from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.selectors import units_active
from safepassage.language.fields import BurmeseCharField

from .conversation import QUESTIONS
from .models import CannedReply, Triage


class ReplyForm(forms.Form):
    body = BurmeseCharField(
        label=_("Reply"), max_length=4096, widget=forms.Textarea(attrs={"rows": 3})
    )


class TriageForm(forms.Form):
    triage = forms.ChoiceField(
        label=_("Triage"), choices=[("", _("Not marked")), *Triage.choices], required=False
    )


class HandOverForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Reception unit"),
        queryset=units_active(headquarters=False),
    )


class _Guarded(forms.Form):
    """The web form's flood guards: a signed, timed, single-use token
    (`web.form_token_accept`) and a field people never see (a honeypot)."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=300)
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Leave this empty."))
        return ""


class WebContactForm(_Guarded):
    """The questions of `conversation.QUESTIONS`, all optional, and a message."""

    message = BurmeseCharField(
        label=_("What would you like to tell us?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            field: forms.Field
            if len(question.choices) >= 2:
                field = forms.ChoiceField(
                    label=str(question.form_prompt),  # in the request's language
                    required=False,
                    choices=[
                        ("", _("Not answered")),
                        *((c.value, c.label) for c in question.choices),
                    ],
                    widget=forms.RadioSelect,
                )
            else:
                field = BurmeseCharField(
                    label=str(question.form_prompt),
                    required=False,
                    max_length=question.max_length,
                )
            self.fields[question.name] = field
        self.order_fields(["message", *(q.name for q in QUESTIONS)])

    def answers(self) -> dict[str, str]:
        return {q.name: self.cleaned_data.get(q.name) or "" for q in QUESTIONS}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        said = (cleaned.get("message") or "").strip() or any(self.answers().values())
        if not self.errors and not said:
            raise forms.ValidationError(_("Write a message or answer a question."))
        return cleaned


class WebResumeForm(_Guarded):
    code = forms.CharField(label=_("Case code"), max_length=40)
    receipt = forms.CharField(
        label=_("The two numbers you saved"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class WebWriteForm(forms.Form):
    message = BurmeseCharField(
        label=_("Your message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class NoteForm(forms.Form):
    note = BurmeseCharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CannedReplyForm(forms.Form):
    canned = forms.ModelChoiceField(
        label=_("Prepared reply"), queryset=CannedReply.objects.filter(is_active=True)
    )


class LinkCaseForm(forms.Form):
    code = forms.CharField(label=_("Case code"), max_length=40)

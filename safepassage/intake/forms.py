from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safepassage.language.fields import BurmeseCharField

from .models import Triage


class ReplyForm(forms.Form):
    body = BurmeseCharField(
        label=_("Reply"), max_length=4096, widget=forms.Textarea(attrs={"rows": 3})
    )


class TriageForm(forms.Form):
    triage = forms.ChoiceField(
        label=_("Triage"), choices=[("", _("Not marked")), *Triage.choices], required=False
    )

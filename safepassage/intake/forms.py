from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import Unit
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


class HandOverForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Reception unit"),
        queryset=Unit.objects.filter(is_active=True, is_headquarters=False).order_by("name"),
    )

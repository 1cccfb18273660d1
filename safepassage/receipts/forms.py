from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .signing import MAX_TEXT


class VerifyForm(forms.Form):
    text = forms.CharField(
        label=_("Receipt text (the line starting SPR1.)"),
        max_length=MAX_TEXT + 500,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )

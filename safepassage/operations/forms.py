from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

CONFIRM_WORD = "PANIC"


class PanicForm(forms.Form):
    confirm = forms.CharField(
        label=_("Type PANIC to destroy the key ring of this machine"),
        max_length=20,
        strip=True,
    )

    def clean_confirm(self) -> str:
        value: str = self.cleaned_data["confirm"]
        if value != CONFIRM_WORD:
            raise forms.ValidationError(_("Type the word PANIC exactly, in capitals."))
        return value

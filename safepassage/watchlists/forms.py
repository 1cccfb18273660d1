from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safepassage.language.fields import BurmeseCharField

MAX_FILE_BYTES = 5 * 1024 * 1024


class WatchListForm(forms.Form):
    name = BurmeseCharField(label=_("Name of the list"), max_length=200)
    description = BurmeseCharField(
        label=_("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WatchListImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8) or Excel workbook (.xlsx), at most 5 MB. First row: the column "
            "names name, name_my, father_name, date_of_birth, nrc, phone, township, notes "
            "(any of them, any order). Burmese may be Unicode or Zawgyi."
        ),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        data: bytes = upload.read()
        return data

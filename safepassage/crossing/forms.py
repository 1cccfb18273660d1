"""Forms of the crossing pages. Times are read in the server's time zone
(Asia/Yangon) and come out tz-aware; the services judge the window."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.selectors import staff_active_in_unit
from safepassage.language.fields import BurmeseCharField


class _When(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _text(label: Any, max_length: int, *, required: bool = False, rows: int = 2) -> Any:
    return BurmeseCharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class _Members(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_username())


class PlanForm(forms.Form):
    meeting_point = _text(_("Meeting point (the team's; never sent)"), 1000, required=True)
    place_shared = _text(_("The place as the person is told"), 300, required=True)
    window_start = forms.DateTimeField(label=_("From"), widget=_When())
    window_end = forms.DateTimeField(label=_("Until"), widget=_When())
    fallback_point = _text(_("Fallback point (sent if a fallback time is given)"), 1000)
    fallback_at = forms.DateTimeField(label=_("Fallback time"), required=False, widget=_When())
    team = _Members(
        label=_("Who goes"),
        queryset=staff_active_in_unit(None),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    bring = _text(_("What to bring"), 500)
    leave_behind = _text(_("What to leave behind (e.g. a phone that can be tracked)"), 500)
    items_declared = _text(_("Items the person said they would bring"), 2000, rows=3)

    def __init__(self, *args: Any, unit_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(_Members, self.fields["team"])
        field.queryset = staff_active_in_unit(unit_id)


class ArrivalForm(forms.Form):
    words_exchanged = forms.BooleanField(label=_("The words were exchanged"), required=False)
    answer_heard = BurmeseCharField(
        label=_("The second word, as the person said it"), max_length=60, required=False
    )
    note = _text(_("If not exchanged: why not"), 1000)


class NotArrivedForm(forms.Form):
    reason = _text(_("What happened"), 1000, required=True)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("replan", _("Plan again")), ("lost", _("Contact lost"))])


CHAT_ID = re.compile(r"-?[0-9]{1,20}")
BOT_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{10,100}")


class StaffChannelForm(forms.Form):
    chat_id = forms.CharField(label=_("Telegram chat id of the staff group"), max_length=21)
    token = forms.CharField(
        label=_("Bot token (leave empty to keep the current one)"),
        max_length=121,
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    api_url = forms.URLField(
        label=_("Bot API address"),
        max_length=200,
        initial="https://api.telegram.org",
        assume_scheme="https",
    )
    is_active = forms.BooleanField(label=_("Send alerts here"), required=False, initial=True)

    def clean_chat_id(self) -> str:
        value = str(self.cleaned_data["chat_id"]).strip()
        if not CHAT_ID.fullmatch(value):
            raise forms.ValidationError(_("A chat id is a number, e.g. -1001234567890."))
        return value

    def clean_token(self) -> str:
        value = str(self.cleaned_data.get("token") or "").strip()
        if value and not BOT_TOKEN.fullmatch(value):
            raise forms.ValidationError(_("This is not shaped like a bot token."))
        return value

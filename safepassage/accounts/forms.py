from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

# One message for every way a sign-in can fail -- unknown user, wrong
# password, inactive account, locked out -- so the page never tells
# whether an account exists or is locked.
SIGN_IN_FAILED = _(
    "Sign-in failed. Check your details and try again. After several failed "
    "attempts, signing in is paused for a while."
)


class LoginForm(AuthenticationForm):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": SIGN_IN_FAILED,
        "inactive": SIGN_IN_FAILED,
    }


class SecondFactorForm(forms.Form):
    """A six-digit authenticator code or a backup code."""

    otp_token = forms.CharField(
        label=_("Code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class TOTPConfirmForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's password change (old password checked, validators run), with
    the product's own labels and messages, so that they are in Burmese too."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": _("Your current password is not right. Try again."),
        "password_mismatch": _("The two new passwords differ."),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].help_text = _(
            "At least 12 characters; not a common password, not only digits, not like "
            "your username. A few unrelated words make a good one."
        )
        self.fields["new_password2"].label = _("New password again")


class PasswordConfirmForm(forms.Form):
    """The signed-in user's own password, asked again before a change to
    the second factor."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, user: object, *args: object, **kwargs: object) -> None:
        self.user = user
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        check = getattr(self.user, "check_password", None)
        if not callable(check) or not check(password):
            raise forms.ValidationError(
                _("That is not your password. Try again."), code="password_incorrect"
            )
        return password


# --- staff administration ------------------------------------------------------


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class InviteForm(forms.Form):
    """A new member of staff: a call sign (never a name), a unit, roles.

    `units` and `roles` are what the administrator may grant."""

    username = forms.CharField(
        label=_("Call sign (username)"),
        max_length=150,
        help_text=_(
            "Letters, digits and @ . + - _ only. Never the person's real name: "
            "staff are at risk too."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    unit: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Unit"), queryset=None, empty_label=None
    )
    roles = RolesField(label=_("Roles"), required=False)

    def __init__(self, *args: Any, units: Any, roles: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["roles"].choices = [(r.value, r.label) for r in roles]  # type: ignore[attr-defined]

    def clean_username(self) -> str:
        from django.contrib.auth.validators import UnicodeUsernameValidator

        from .models import User

        username: str = self.cleaned_data["username"].strip()
        if "\x00" in username:
            raise forms.ValidationError(_("That call sign cannot be used."))
        UnicodeUsernameValidator()(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That call sign is taken. Choose another."))
        return username


class StaffChangeForm(forms.Form):
    """Roles (and, for headquarters, the unit) of a member of staff."""

    unit: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Unit"), queryset=None, empty_label=None
    )
    roles = RolesField(label=_("Roles"), required=False)

    def __init__(self, *args: Any, units: Any, roles: Any, may_move: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["roles"].choices = [(r.value, r.label) for r in roles]  # type: ignore[attr-defined]
        if not may_move:
            self.fields["unit"].disabled = True


class StaffFilterForm(forms.Form):
    """Narrows the staff list: part of a call sign, and (headquarters) a unit.

    `units` are the units the administrator may filter by; an empty list
    hides the field. A unit not offered is refused like any other bad choice."""

    call_sign = forms.CharField(
        label=_("Call sign contains"),
        max_length=150,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units:
            self.fields["unit"].choices = [  # type: ignore[attr-defined]
                ("", _("Every unit")),
                *((u.pk, u.name) for u in units),
            ]
        else:
            del self.fields["unit"]

    def clean_call_sign(self) -> str:
        value: str = self.cleaned_data["call_sign"]
        if "\x00" in value:
            raise forms.ValidationError(_("That call sign cannot be used."))
        return value


class InvitationPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """The new member's first password (Django's validators run)."""

    error_messages = {
        **SetPasswordForm.error_messages,
        "password_mismatch": _("The two passwords differ."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Choose a password")
        self.fields["new_password1"].help_text = _(
            "At least 12 characters; not a common password, not only digits, not like "
            "your username. A few unrelated words make a good one."
        )
        self.fields["new_password2"].label = _("The same password again")

"""Staff administration in the product, for administrators, and the
invitation a new member opens.

An administrator lists the members of the units they administer
(headquarters: every unit; anyone else: their own), invites a new member
with a unit and roles, changes a member's roles (and, at headquarters,
unit), and deactivates or reactivates them. Every change goes through
`services`, which check the scope again and audit it; these pages show
call signs, units, roles and sign-in state, never anything about cases.

An invitation is a one-time link (`/accounts/invitation/<token>/`, 72
hours). Opening it moves the token into the session and sends the
browser to a page without it, so it stays out of the address bar and
history; there the new member sets a password, is signed in with it,
and is sent to enrol an authenticator (the usual first sign-in), then
to their backup codes and their home.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.core.permissions import public, refuse_in_view, requires_role

from . import auditing, selectors, services
from .forms import InvitationPasswordForm, InviteForm, StaffChangeForm, StaffFilterForm
from .middleware import session_start
from .models import Unit, User
from .policies import acts_across_units, roles_grantable_by
from .roles import Role

INVITATION_SESSION_KEY = "_safepassage_invitation"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _actor(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _grantable(actor: User) -> list[Role]:
    allowed = roles_grantable_by(actor)
    return [role for role in Role if role in allowed]


def _member(request: HttpRequest, pk: int) -> User:
    """The member `pk`, when this administrator administers them: 404 when
    there is none, 403 (audited) when another unit's."""
    try:
        member = selectors.staff_member_for(actor=_actor(request), pk=pk)
    except PermissionDenied:
        raise refuse_in_view(request, "other_unit") from None
    if member is None:
        raise Http404
    return member


def _invited_page(request: HttpRequest, invited: services.Invited) -> HttpResponse:
    link = request.build_absolute_uri(
        reverse("accounts:invitation_open", kwargs={"token": invited.token})
    )
    context = {"member": invited.user, "link": link, "expires_at": invited.invitation.expires_at}
    return render(request, "accounts/staff/invited.html", context)


@requires_role(Role.ADMINISTRATOR)
@never_cache
@require_http_methods(["GET"])
def staff_list_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    across_units = acts_across_units(actor)
    form = StaffFilterForm(request.GET or None, units=_filter_units(actor))
    call_sign, unit_id = "", None
    if form.is_valid():
        call_sign = form.cleaned_data["call_sign"]
        unit_id = form.cleaned_data.get("unit")
    members = selectors.staff_filtered(actor=actor, call_sign=call_sign, unit_id=unit_id)
    page = Paginator(members, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.staff_rows(actor=actor, users=page.object_list)
    auditing.record(
        "staff_listed",
        actor=actor,
        unit=actor.unit,
        details={"count": len(rows), "page": page.number, "filtered": bool(call_sign or unit_id)},
        request=request,
    )
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(
        request,
        "accounts/staff/list.html",
        {
            "rows": rows,
            "page": page,
            "form": form,
            "across_units": across_units,
            "query_kept": kept.urlencode(),
        },
    )


#: Members on one page of the staff list.
STAFF_PAGE_SIZE = 50


def _filter_units(actor: User) -> list[Unit]:
    """Units the filter offers: every unit for headquarters, none otherwise
    (a unit's administrator sees only their own unit anyway)."""
    if not acts_across_units(actor):
        return []
    return list(Unit.objects.order_by("name"))


@requires_role(Role.ADMINISTRATOR)
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def staff_invite_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = InviteForm(
        request.POST or None,
        units=selectors.units_administered_by(actor=actor),
        roles=_grantable(actor),
    )
    if request.method == "POST" and form.is_valid():
        try:
            invited = services.invitation_create(
                actor=actor,
                username=form.cleaned_data["username"],
                unit=form.cleaned_data["unit"],
                roles=form.cleaned_data["roles"],
            )
        except PermissionDenied:
            raise refuse_in_view(request, "scope") from None
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _invited_page(request, invited)
    return render(
        request, "accounts/staff/invite.html", {"form": form}, status=400 if form.errors else 200
    )


@requires_role(Role.ADMINISTRATOR)
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def staff_member_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's roles and unit; saving changes them (their sessions end)."""
    actor = _actor(request)
    member = _member(request, pk)
    may_move = acts_across_units(actor)
    units = selectors.units_administered_by(actor=actor, including=member.unit_id)
    initial = {"unit": member.unit_id, "roles": [r.value for r in member.role_set()]}
    form = StaffChangeForm(
        request.POST or None,
        initial=initial,
        units=units,
        roles=_grantable(actor),
        may_move=may_move,
    )
    not_grantable = [r for r in member.role_set() if r not in roles_grantable_by(actor)]
    if request.method == "POST" and not_grantable:
        # services.user_set_roles would refuse too: a unit's administrator
        # stays one until headquarters decides.
        raise refuse_in_view(request, "role_not_grantable")
    if request.method == "POST" and form.is_valid():
        try:
            changed = _apply_changes(actor, member, form.cleaned_data, may_move)
        except PermissionDenied:
            raise refuse_in_view(request, "scope") from None
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, _("Saved. This member's open sessions have ended."))
            return HttpResponseRedirect(reverse("accounts:staff_member", kwargs={"pk": pk}))
    auditing.record("staff_viewed", actor=actor, target=member, unit=member.unit, request=request)
    context = {
        "row": selectors.staff_row(actor=actor, user=member),
        "form": form,
        "is_self": member.pk == actor.pk,
        "roles_not_grantable": not_grantable,
    }
    return render(
        request, "accounts/staff/member.html", context, status=400 if form.errors else 200
    )


def _apply_changes(actor: User, member: User, data: dict[str, Any], may_move: bool) -> bool:
    changed = False
    if may_move and data["unit"].pk != member.unit_id:
        services.user_set_unit(actor=actor, user=member, unit=data["unit"])
        changed = True
    wanted = set(data["roles"])
    if wanted != {r.value for r in member.role_set()}:
        services.user_set_roles(actor=actor, user=member, roles=sorted(wanted))
        changed = True
    return changed


@requires_role(Role.ADMINISTRATOR)
@csrf_protect
@require_POST
def staff_member_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (sessions end at once) or reactivate a member."""
    actor = _actor(request)
    member = _member(request, pk)
    wanted = request.POST.get("active")
    if wanted not in ("0", "1"):
        return HttpResponse(_("Choose deactivate or reactivate."), status=400)
    if member.pk == actor.pk:
        messages.error(request, _("You cannot deactivate your own account."))
    else:
        try:
            if wanted == "0":
                services.user_deactivate(actor=actor, user=member)
                messages.success(request, _("Deactivated. Their sessions have ended."))
            else:
                services.user_reactivate(actor=actor, user=member)
                messages.success(request, _("Reactivated. They can sign in again."))
        except PermissionDenied:
            raise refuse_in_view(request, "scope") from None
    return HttpResponseRedirect(reverse("accounts:staff_member", kwargs={"pk": pk}))


@requires_role(Role.ADMINISTRATOR)
@csrf_protect
@never_cache
@require_POST
def staff_member_reinvite_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A fresh link for a member who has not set a password yet."""
    actor = _actor(request)
    member = _member(request, pk)
    try:
        invited = services.invitation_renew(actor=actor, user=member)
    except PermissionDenied:
        raise refuse_in_view(request, "scope") from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("accounts:staff_member", kwargs={"pk": pk}))
    return _invited_page(request, invited)


# --- the invited member's side ---------------------------------------------------


def _invitation_invalid(request: HttpRequest) -> HttpResponse:
    auditing.record_or_log("invitation_refused", actor=None, request=request)
    request.session.pop(INVITATION_SESSION_KEY, None)
    return render(request, "accounts/staff/invitation_invalid.html", status=404)


@public
@never_cache
@require_http_methods(["GET"])
def invitation_open_view(request: HttpRequest, token: str) -> HttpResponse:
    """Take the token out of the address: into the session, then on."""
    try:
        services.invitation_open(token=token)
    except services.InvitationInvalid:
        return _invitation_invalid(request)
    if request.user.is_authenticated:
        logout(request)  # someone else's session on this browser
    request.session[INVITATION_SESSION_KEY] = token
    return HttpResponseRedirect(reverse("accounts:invitation"))


@public
@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_view(request: HttpRequest) -> HttpResponse:
    """Set the first password, then on to enrol an authenticator."""
    token = request.session.get(INVITATION_SESSION_KEY)
    try:
        invitation = services.invitation_open(token=token if isinstance(token, str) else "")
    except services.InvitationInvalid:
        return _invitation_invalid(request)
    member = invitation.user
    form = InvitationPasswordForm(member, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=str(token), password=form.cleaned_data["new_password1"]
            )
        except services.InvitationInvalid:
            return _invitation_invalid(request)
        except ValidationError as error:
            form.add_error("new_password1", error)
        else:
            request.session.pop(INVITATION_SESSION_KEY, None)
            login(request, user, backend=BACKEND)
            session_start(request, user)
            auditing.record(
                "password_accepted", actor=user, target=user, unit=user.unit, request=request
            )
            return HttpResponseRedirect(reverse("accounts:enrol_totp"))
    return render(
        request,
        "accounts/staff/invitation.html",
        {"form": form, "member": member},
        status=400 if form.errors else 200,
    )

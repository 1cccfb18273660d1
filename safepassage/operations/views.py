"""The panic control for administrators (docs/operations.md, Panic).

GET shows what a panic does; POST, with the password typed again within
REAUTH_WINDOW_SECONDS and the word PANIC, destroys the key ring of this
machine (services.vault_panic_trigger). Disabled where
SAFEPASSAGE_PANIC_CONTROL=0 (a headquarters server, where one unit's
administrator must not destroy every unit's data): 404 there.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from safepassage.accounts.middleware import password_recent
from safepassage.accounts.roles import Role
from safepassage.core.permissions import requires_role

from .forms import PanicForm
from .services import vault_panic_trigger


def _confirm_first(request: HttpRequest) -> HttpResponse:
    here = reverse("operations:panic")
    target = reverse("accounts:confirm_password")
    return HttpResponseRedirect(f"{target}?{urlencode({'next': here})}")


@requires_role(Role.ADMINISTRATOR)
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def panic_view(request: HttpRequest) -> HttpResponse:
    if not getattr(settings, "PANIC_CONTROL_ENABLED", True):
        raise Http404
    if not password_recent(request):
        return _confirm_first(request)
    form = PanicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        report = vault_panic_trigger(actor=request.user, origin="web", request=request)
        # No request context: nothing that could need a key renders this page.
        body = render_to_string("operations/panic_done.html", {"report": report})
        return HttpResponse(body)
    return render(
        request,
        "operations/panic.html",
        {"form": form},
        status=400 if form.errors else 200,
    )

"""Watch-list pages, for headquarters' screening officers. Thin: selector, form, service.

Every page that decrypts entries records an audited read naming the
fields shown.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_read
from safepassage.core.permissions import refuse_in_view, requires_role
from safepassage.core.uploads import upload_dropped

from . import selectors, services
from .forms import WatchListForm, WatchListImportForm
from .models import WatchList
from .policies import user_keeps_watchlists
from .reading import ListFileError, read_list_file

keeper_view = requires_role(Role.SCREENING_OFFICER)


def _keeper(request: HttpRequest) -> User:
    """The signed-in screening officer, if of headquarters; otherwise refused."""
    user = cast(User, request.user)
    if not user_keeps_watchlists(user):
        raise refuse_in_view(request, "not_headquarters")
    return user


def _list_or_404(request: HttpRequest, pk: int) -> WatchList:
    try:
        return selectors.watchlist_get_for_user(user=_keeper(request), pk=pk)
    except selectors.WatchListNotFound:
        raise Http404 from None


def _to_list(watch_list: WatchList) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("watchlists:detail", kwargs={"pk": watch_list.pk}))


@keeper_view
@require_http_methods(["GET", "POST"])
def watchlist_index(request: HttpRequest) -> HttpResponse:
    user = _keeper(request)
    form = WatchListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            watch_list = services.watchlist_create(
                actor=user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("List created. Import its people from a file."))
            return _to_list(watch_list)
    lists = list(selectors.watchlists_visible_to(user).select_related("data_key__unit_key"))
    return render(
        request,
        "watchlists/index.html",
        {"lists": lists, "form": form},
        status=400 if form.errors else 200,
    )


def _detail_page(
    request: HttpRequest, watch_list: WatchList, form: WatchListImportForm | None = None
) -> HttpResponse:
    user = _keeper(request)
    entries, unreadable = selectors.watchlist_entries(watch_list=watch_list)
    if entries:
        audit_read(
            actor=user,
            target=watch_list,
            fields=list(selectors.ENTRY_FIELDS),
            purpose="watchlist_detail",
            unit=watch_list.unit_id,
            request=request,
        )
    return render(
        request,
        "watchlists/detail.html",
        {
            "watch_list": watch_list,
            "entries": entries,
            "unreadable": unreadable,
            "entry_count": watch_list.entries.count(),
            "imports": selectors.watchlist_imports(watch_list=watch_list),
            "form": form or WatchListImportForm(),
        },
        status=400 if form is not None and form.errors else 200,
    )


@keeper_view
@require_http_methods(["GET"])
def watchlist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _list_or_404(request, pk))


@keeper_view
@require_POST
def watchlist_import(request: HttpRequest, pk: int) -> HttpResponse:
    watch_list = _list_or_404(request, pk)
    form = WatchListImportForm(request.POST, request.FILES)
    if upload_dropped(request, "file"):
        form.add_error("file", _("The file is larger than 5 MB."))
    if form.is_valid():
        try:
            sheet = read_list_file(form.cleaned_data["file"])
        except ListFileError as exc:
            form.add_error("file", str(exc.message))
        else:
            result = services.watchlist_import(
                actor=_keeper(request), watch_list=watch_list, sheet=sheet
            )
            messages.success(
                request,
                _("%(added)s rows added, %(other)s not added: see the report.")
                % {"added": result.added, "other": result.rejected},
            )
            return HttpResponseRedirect(
                reverse(
                    "watchlists:import_report",
                    kwargs={"pk": watch_list.pk, "import_id": result.watch_import.pk},
                )
            )
    return _detail_page(request, watch_list, form)


@keeper_view
@require_POST
def watchlist_active(request: HttpRequest, pk: int) -> HttpResponse:
    watch_list = _list_or_404(request, pk)
    services.watchlist_set_active(
        actor=_keeper(request), watch_list=watch_list, active=request.POST.get("active") == "1"
    )
    return _to_list(watch_list)


STATUS_LABELS = {
    services.RowStatus.ADDED: gettext_lazy("added"),
    services.RowStatus.REJECTED: gettext_lazy("not added"),
    services.RowStatus.DUPLICATE: gettext_lazy("duplicate, not added"),
    services.RowStatus.EMPTY: gettext_lazy("empty, skipped"),
}


@keeper_view
@require_http_methods(["GET"])
def import_report(request: HttpRequest, pk: int, import_id: int) -> HttpResponse:
    watch_list = _list_or_404(request, pk)
    watch_import = watch_list.imports.filter(pk=import_id).first()
    if watch_import is None:
        raise Http404
    rows = [
        {**row, "label": STATUS_LABELS.get(str(row.get("status")), row.get("status"))}
        for row in watch_import.report
    ]
    return render(
        request,
        "watchlists/import_report.html",
        {"watch_list": watch_list, "watch_import": watch_import, "rows": rows},
    )

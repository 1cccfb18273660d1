"""The case's person and service record: the forms, the photo, and the
township box's suggestions. Every decrypted look is audited (`audit_read`).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.audit.services import audit_read
from safepassage.core.permissions import requires_role
from safepassage.core.uploads import upload_dropped

from ..forms import PersonForm, ServiceRecordForm, TownshipInput
from ..pages import case_or_404 as _case_or_404
from ..pages import case_view, to_detail
from ..pages import staff as _staff
from ..policies import PERSON_EDITORS
from ..selectors.person import case_has_person, person_initial, township_label
from ..selectors.person import person_photo as stored_photo
from ..selectors.service_record import service_initial
from ..services.person import person_save
from ..services.service_record import service_record_save
from ..services.write import StaleCase


@case_view
@require_http_methods(["GET"])
def person_photo(request: HttpRequest, code: str) -> HttpResponse:
    """The person's photo, decrypted for this response only; the read is audited."""
    case = _case_or_404(request, code)
    photo = stored_photo(case=case)
    if photo is None:
        raise Http404
    content = photo.read()
    audit_read(
        actor=_staff(request),
        target=case,
        fields=["photo"],
        purpose="person_photo",
        unit=case.unit_id,
        request=request,
    )
    response = HttpResponse(content, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    return response


@requires_role(*PERSON_EDITORS)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    if request.method == "POST":
        registering = not case_has_person(case=case)
        form = PersonForm(request.POST, request.FILES)
        if upload_dropped(request, "photo"):
            form.add_error("photo", _("The photo is larger than 5 MB."))
        if form.is_valid():
            try:
                person_save(
                    actor=_staff(request),
                    case=case,
                    data=form.cleaned_data,
                    phones=form.cleaned_data["phones"],
                    expected_version=form.cleaned_data["expected_version"],
                )
            except StaleCase as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved."))
                if registering:  # screen a newly registered person at once
                    return HttpResponseRedirect(
                        reverse("cases:screening", kwargs={"code": case.code})
                    )
                return to_detail(case)
    else:
        initial = person_initial(case=case)
        if initial:  # nothing decrypted for a case without a person yet
            audit_read(
                actor=_staff(request),
                target=case,
                fields=sorted(initial),
                purpose="person_edit",
                unit=case.unit_id,
                request=request,
            )
        form = PersonForm(initial={**initial, "expected_version": case.version})
    has_photo = stored_photo(case=case) is not None
    if not has_photo:
        del form.fields["photo_remove"]
    return render(
        request, "cases/person_form.html", {"case": case, "form": form, "has_photo": has_photo}
    )


@requires_role(*PERSON_EDITORS)
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, code: str) -> HttpResponse:
    """What the person left: unit type and number, batch, rank (encrypted)."""
    case = _case_or_404(request, code)
    if request.method == "POST":
        form = ServiceRecordForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                service_record_save(
                    actor=_staff(request),
                    case=case,
                    category=data["category"],
                    stage=data["stage"],
                    rank=data["rank_term"],
                    unit_left=data["unit_left"],
                    unit_left_text=data["unit_left_text"],
                    expected_version=data["expected_version"],
                )
            except StaleCase as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved."))
                return to_detail(case)
    else:
        initial = service_initial(case=case)
        if initial:
            audit_read(
                actor=_staff(request),
                target=case,
                fields=["rank", "unit_left", "unit_left_text"],
                purpose="service_edit",
                unit=case.unit_id,
                request=request,
            )
        form = ServiceRecordForm(initial={**initial, "expected_version": case.version})
    return render(request, "cases/service_form.html", {"case": case, "form": form})


@requires_role(*PERSON_EDITORS)
@require_POST
def township_suggest(request: HttpRequest) -> HttpResponse:
    """Townships matching what is typed in the person form (an htmx fragment).

    POST, like the search: what is typed is the person's home township."""
    from safepassage.geo.selectors import township_search

    query = request.POST.get("home_township", "").strip()[:100]
    matches = township_search(query, limit=6) if query else []
    return render(request, "cases/_township_suggestions.html", {"matches": matches, "query": query})


@requires_role(*PERSON_EDITORS)
@require_POST
def township_pick(request: HttpRequest) -> HttpResponse:
    """The township box again, filled with the chosen township (an htmx
    fragment). POST: the place code chosen is the person's township."""
    from safepassage.geo.selectors import township_by_pcode

    township = township_by_pcode(request.POST.get("pcode", "")[:20])
    if township is None:
        raise Http404
    widget = TownshipInput(attrs={"id": "id_home_township", "maxlength": "100"})
    html = widget.render("home_township", township_label(township.pcode, township.name_en))
    return HttpResponse(html)

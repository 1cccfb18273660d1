"""The screening officer's pages, in the `cases` namespace (`cases/urls.py`
includes them before its `<code>/` page, which would take
`details-requests/` for a case code)."""

from django.urls import path

from . import views

urlpatterns = [
    path("details-requests/", views.details_requests, name="details_requests"),
    path(
        "details-requests/<int:request_id>/answer/",
        views.details_request_answer,
        name="details_request_answer",
    ),
    path(
        "details-requests/<int:request_id>/withdraw/",
        views.details_request_withdraw,
        name="details_request_withdraw",
    ),
    path("<str:code>/screening/", views.screening, name="screening"),
    path("<str:code>/screening/decide/", views.screening_decide, name="screening_decide"),
    path("<str:code>/screening/ask/", views.details_request_send, name="details_request"),
    path(
        "<str:code>/duplicates/<int:proposal_id>/",
        views.duplicate_decide,
        name="duplicate_decide",
    ),
]

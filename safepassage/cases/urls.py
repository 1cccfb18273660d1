from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("list/", views.case_list, name="list"),
    path("search/", views.search, name="search"),
    path("new/", views.case_new, name="new"),
    path("townships/suggest/", views.township_suggest, name="township_suggest"),
    path("townships/pick/", views.township_pick, name="township_pick"),
    path("transfers/<int:transfer_id>/answer/", views.transfer_answer, name="transfer_answer"),
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
    path("<str:code>/", views.case_detail, name="detail"),
    path("<str:code>/person/", views.person_edit, name="person_edit"),
    path("<str:code>/service/", views.service_edit, name="service_edit"),
    path("<str:code>/photo/", views.person_photo, name="person_photo"),
    path("<str:code>/screening/", views.screening, name="screening"),
    path("<str:code>/screening/decide/", views.screening_decide, name="screening_decide"),
    path("<str:code>/screening/ask/", views.details_request_send, name="details_request"),
    path(
        "<str:code>/duplicates/<int:proposal_id>/",
        views.duplicate_decide,
        name="duplicate_decide",
    ),
    path("<str:code>/transition/", views.transition, name="transition"),
    path("<str:code>/note/", views.note_add, name="note"),
    path("<str:code>/transfer/", views.transfer_request, name="transfer"),
    path("<str:code>/tasks/", views.task_add, name="task_add"),
    path("<str:code>/tasks/<int:task_id>/done/", views.task_done, name="task_done"),
    path("<str:code>/assign/", views.assign, name="assign"),
]

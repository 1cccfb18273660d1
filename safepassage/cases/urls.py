from django.urls import include, path

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
    # Before `<code>/`: the details-requests pages and the screening panel.
    path("", include("safepassage.cases.screening.urls")),
    path("<str:code>/", views.case_detail, name="detail"),
    path("<str:code>/person/", views.person_edit, name="person_edit"),
    path("<str:code>/service/", views.service_edit, name="service_edit"),
    path("<str:code>/photo/", views.person_photo, name="person_photo"),
    path("<str:code>/transition/", views.transition, name="transition"),
    path("<str:code>/note/", views.note_add, name="note"),
    path("<str:code>/transfer/", views.transfer_request, name="transfer"),
    path("<str:code>/tasks/", views.task_add, name="task_add"),
    path("<str:code>/tasks/<int:task_id>/done/", views.task_done, name="task_done"),
    path("<str:code>/assign/", views.assign, name="assign"),
]

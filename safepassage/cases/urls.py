from django.urls import include, path

from .views import cases, person, tasks, transfers

app_name = "cases"
urlpatterns = [
    path("", cases.dashboard, name="dashboard"),
    path("list/", cases.case_list, name="list"),
    path("search/", cases.search, name="search"),
    path("new/", cases.case_new, name="new"),
    path("townships/suggest/", person.township_suggest, name="township_suggest"),
    path("townships/pick/", person.township_pick, name="township_pick"),
    path("transfers/<int:transfer_id>/answer/", transfers.transfer_answer, name="transfer_answer"),
    # Before `<code>/`: the details-requests pages and the screening panel.
    path("", include("safepassage.cases.screening.urls")),
    path("<str:code>/", cases.case_detail, name="detail"),
    path("<str:code>/person/", person.person_edit, name="person_edit"),
    path("<str:code>/service/", person.service_edit, name="service_edit"),
    path("<str:code>/photo/", person.person_photo, name="person_photo"),
    path("<str:code>/transition/", cases.transition, name="transition"),
    path("<str:code>/note/", cases.note_add, name="note"),
    path("<str:code>/transfer/", transfers.transfer_request, name="transfer"),
    path("<str:code>/tasks/", tasks.task_add, name="task_add"),
    path("<str:code>/tasks/<int:task_id>/done/", tasks.task_done, name="task_done"),
    path("<str:code>/assign/", cases.assign, name="assign"),
]

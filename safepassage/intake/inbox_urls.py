from django.urls import path

from . import views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/reply/", views.contact_reply, name="reply"),
    path("contacts/<int:pk>/route/", views.contact_route, name="route"),
    path("contacts/<int:pk>/triage/", views.contact_triage, name="triage"),
    path("contacts/<int:pk>/hand-over/", views.contact_hand_over, name="hand_over"),
    path("contacts/<int:pk>/note/", views.contact_note, name="note"),
    path("contacts/<int:pk>/canned-reply/", views.contact_canned_reply, name="canned_reply"),
    path("contacts/<int:pk>/link-case/", views.contact_link_case, name="link_case"),
    path("cases/<str:code>/", views.case_conversation, name="case_conversation"),
    path("cases/<str:code>/reply/", views.case_conversation_reply, name="case_reply"),
]

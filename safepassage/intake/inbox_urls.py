from django.urls import path

from . import views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/reply/", views.contact_reply, name="reply"),
    path("contacts/<int:pk>/triage/", views.contact_triage, name="triage"),
    path("contacts/<int:pk>/hand-over/", views.contact_hand_over, name="hand_over"),
]

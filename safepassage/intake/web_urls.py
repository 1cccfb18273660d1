from django.urls import path

from . import web_views

app_name = "contact"
urlpatterns = [
    path("", web_views.contact_start, name="start"),
    path("resume/", web_views.contact_resume, name="resume"),
    path("conversation/", web_views.contact_conversation, name="conversation"),
    path("answer/", web_views.contact_answer, name="answer"),
    path("leave/", web_views.contact_leave, name="leave"),
    path("language/", web_views.contact_language, name="language"),
]

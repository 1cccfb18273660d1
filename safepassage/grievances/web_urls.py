from django.urls import path

from . import views

app_name = "complaint"
urlpatterns = [
    path("", views.complaint, name="form"),
]

from django.urls import path

from . import views

app_name = "operations"
urlpatterns = [
    path("panic/", views.panic_view, name="panic"),
]

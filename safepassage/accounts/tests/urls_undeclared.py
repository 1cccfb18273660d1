"""A URLconf with a view that forgot to declare its access (tests only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def undeclared(request: HttpRequest) -> HttpResponse:
    return HttpResponse("secret")


urlpatterns = [
    path("undeclared/", undeclared),
    path("", include("config.urls")),
]

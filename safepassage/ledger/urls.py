from django.urls import path, re_path

from . import views

app_name = "ledger"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("budget/", views.budget, name="budget"),
    path("reconcile/<int:unit_id>/", views.reconcile, name="reconcile"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
]

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("brief/", views.brief, name="brief"),
    path("<slug:name>/", views.report_detail, name="report"),
    path("<slug:name>/export.<str:fmt>", views.report_export, name="export"),
]

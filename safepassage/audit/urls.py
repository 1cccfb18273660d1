from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("integrity/", views.integrity_alerts, name="integrity_alerts"),
    path(
        "integrity/<int:pk>/resolve/",
        views.integrity_alert_resolve,
        name="integrity_alert_resolve",
    ),
]

from django.urls import path

from . import views

app_name = "receipts"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("<str:number>/", views.detail, name="detail"),
]

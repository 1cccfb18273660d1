from django.urls import path

from . import views

app_name = "crossing"
urlpatterns = [
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("channel/", views.staff_channel, name="staff_channel"),
    path("case/<str:code>/", views.case_crossing, name="case"),
    path("plan/<uuid:public_id>/", views.plan_detail, name="plan"),
    path("plan/<uuid:public_id>/edit/", views.plan_edit, name="plan_edit"),
    path("plan/<uuid:public_id>/words/", views.plan_words, name="plan_words"),
    path("plan/<uuid:public_id>/send/", views.plan_send, name="plan_send"),
    path("plan/<uuid:public_id>/arrival/", views.plan_arrival, name="plan_arrival"),
    path("plan/<uuid:public_id>/not-arrived/", views.plan_not_arrived, name="plan_not_arrived"),
    path("plan/<uuid:public_id>/review/", views.plan_review, name="plan_review"),
]

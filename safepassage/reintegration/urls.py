from django.urls import path

from . import views

app_name = "reintegration"
urlpatterns = [
    path("", views.home, name="home"),
    path("supervision/", views.supervision, name="supervision"),
    path("providers/", views.providers, name="providers"),
    path("cases/<str:code>/pathway/", views.pathway, name="pathway"),
    path("cases/<str:code>/plan/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/print/", views.plan_print, name="plan_print"),
    path("plans/<int:pk>/goals/", views.goal_add, name="goal_add"),
    path("plans/<int:pk>/steps/", views.step_add, name="step_add"),
    path("plans/<int:pk>/steps/<int:step_id>/", views.step_move, name="step_move"),
    path("plans/<int:pk>/close/", views.plan_close, name="plan_close"),
    path("plans/<int:pk>/referrals/", views.referral_new, name="referral_new"),
    path(
        "plans/<int:pk>/referrals/<int:referral_id>/",
        views.referral_move,
        name="referral_move",
    ),
    path("plans/<int:pk>/followups/<int:followup_id>/", views.followup, name="followup"),
    path(
        "plans/<int:pk>/followups/<int:followup_id>/failed/",
        views.followup_failed,
        name="followup_failed",
    ),
    path(
        "plans/<int:pk>/followups/<int:followup_id>/confirm/",
        views.followup_confirm,
        name="followup_confirm",
    ),
]

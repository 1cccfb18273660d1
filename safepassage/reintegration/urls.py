from django.urls import path

from . import views, views_catalogue

app_name = "reintegration"
urlpatterns = [
    path("", views.home, name="home"),
    path("supervision/", views.supervision, name="supervision"),
    path("providers/", views.providers, name="providers"),
    path("catalogue/", views_catalogue.catalogue, name="catalogue"),
    path(
        "catalogue/dimensions/new/", views_catalogue.dimension_edit, name="catalogue_dimension_new"
    ),
    path(
        "catalogue/dimensions/<int:pk>/",
        views_catalogue.dimension_edit,
        name="catalogue_dimension",
    ),
    path("catalogue/templates/new/", views_catalogue.template_edit, name="catalogue_template_new"),
    path("catalogue/templates/<int:pk>/", views_catalogue.template_edit, name="catalogue_template"),
    path(
        "catalogue/templates/<int:template_pk>/goals/new/",
        views_catalogue.goal_edit,
        name="catalogue_goal_new",
    ),
    path(
        "catalogue/templates/<int:template_pk>/goals/<int:pk>/",
        views_catalogue.goal_edit,
        name="catalogue_goal",
    ),
    path(
        "catalogue/goals/<int:goal_pk>/steps/new/",
        views_catalogue.step_edit,
        name="catalogue_step_new",
    ),
    path(
        "catalogue/goals/<int:goal_pk>/steps/<int:pk>/",
        views_catalogue.step_edit,
        name="catalogue_step",
    ),
    path(
        "catalogue/<str:kind>/<int:pk>/remove/",
        views_catalogue.part_remove,
        name="catalogue_remove",
    ),
    path(
        "catalogue/stipend-rules/new/",
        views_catalogue.stipend_rule_edit,
        name="catalogue_rule_new",
    ),
    path(
        "catalogue/stipend-rules/<int:pk>/",
        views_catalogue.stipend_rule_edit,
        name="catalogue_rule",
    ),
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

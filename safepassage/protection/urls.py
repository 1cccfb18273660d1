from django.urls import path

from . import views

app_name = "protection"
urlpatterns = [
    path("reviews/", views.reviews, name="reviews"),
    path("houses/", views.houses, name="houses"),
    path("houses/new/", views.house_new, name="house_new"),
    path("houses/<int:house_id>/", views.house_detail, name="house"),
    path("houses/<int:house_id>/edit/", views.house_edit, name="house_edit"),
    path("cases/<str:code>/", views.case_protection, name="case"),
    path("cases/<str:code>/assess/", views.assess, name="assess"),
    path("cases/<str:code>/family/", views.family_add, name="family_add"),
    path("cases/<str:code>/family/<int:member_id>/", views.family_edit, name="family_edit"),
    path(
        "cases/<str:code>/family/<int:member_id>/assess/",
        views.assess,
        name="assess_member",
    ),
    path("cases/<str:code>/measures/", views.measure_add, name="measure_add"),
    path(
        "cases/<str:code>/measures/<int:measure_id>/move/",
        views.measure_move,
        name="measure_move",
    ),
    path("cases/<str:code>/place/", views.place, name="place"),
    path(
        "cases/<str:code>/placements/<int:placement_id>/check-out/",
        views.check_out,
        name="check_out",
    ),
]

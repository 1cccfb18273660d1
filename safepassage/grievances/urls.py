from django.urls import path

from . import views

app_name = "grievances"
urlpatterns = [
    path("", views.grievance_list, name="list"),
    path("<uuid:public_id>/", views.grievance_detail, name="detail"),
    path("<uuid:public_id>/answer/", views.grievance_answer, name="answer"),
    path("<uuid:public_id>/move/", views.grievance_move, name="move"),
]

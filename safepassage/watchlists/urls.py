from django.urls import path

from . import views

app_name = "watchlists"
urlpatterns = [
    path("", views.watchlist_index, name="index"),
    path("<int:pk>/", views.watchlist_detail, name="detail"),
    path("<int:pk>/import/", views.watchlist_import, name="import"),
    path("<int:pk>/active/", views.watchlist_active, name="active"),
    path("<int:pk>/imports/<int:import_id>/", views.import_report, name="import_report"),
]

from django.urls import path

from . import views

app_name = "armoury"
urlpatterns = [
    path("", views.unit_armoury, name="unit"),
    path("count/", views.count, name="count"),
    path("queue/", views.queue, name="queue"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/decide/", views.alert_decide, name="alert_decide"),
    path(
        "discrepancies/<int:pk>/resolve/",
        views.discrepancy_resolve,
        name="discrepancy_resolve",
    ),
    path("schedule/", views.schedule, name="schedule"),
    path("export/", views.export, name="export"),
    path("items/<int:pk>/move/", views.item_move, name="item_move"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/decide/", views.claim_decide, name="claim_decide"),
    path("claims/<int:pk>/pay/", views.claim_pay, name="claim_pay"),
    path("cases/<str:code>/", views.case_items, name="case"),
    path("cases/<str:code>/items/new/", views.item_new, name="item_new"),
    path("cases/<str:code>/claim/", views.claim_propose, name="propose"),
    path("cases/<str:code>/receipt/", views.handover_receipt, name="handover_receipt"),
]

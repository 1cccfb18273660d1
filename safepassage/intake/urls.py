from django.urls import path

from .channels.facebook import webhook as facebook
from .channels.telegram import webhook as telegram

app_name = "intake"
urlpatterns = [
    path("telegram/<uuid:channel_id>/webhook/", telegram.webhook, name="telegram_webhook"),
    path("facebook/<uuid:channel_id>/webhook/", facebook.webhook, name="facebook_webhook"),
]

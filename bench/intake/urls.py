from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns

from .naive import naive_webhook

urlpatterns = [
    path("bench/naive/telegram/", naive_webhook, name="bench_naive_webhook"),
    *urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

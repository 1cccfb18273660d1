from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns

from .naive import naive_case_list

urlpatterns = [
    path("bench/naive/cases/", naive_case_list, name="bench_naive_list"),
    *urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

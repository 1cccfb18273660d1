"""The webhook as it is often first written, for comparison only: the raw
JSON stored in clear, one insert per request, no secret checked. Never
in the product's URLs (bench/intake/urls.py adds it for the benchmark)."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from safepassage.core.permissions import public

TABLE = "bench_naive_update"


def create_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} "
            "(id INTEGER PRIMARY KEY AUTOINCREMENT, update_id BIGINT NOT NULL, body TEXT NOT NULL)"
        )


@public
@csrf_exempt
@require_POST
def naive_webhook(request: HttpRequest) -> HttpResponse:
    body = request.body.decode("utf-8")
    update_id = json.loads(body)["update_id"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (update_id, body) VALUES (%s, %s)",  # noqa: S608
            [update_id, body],
        )
    return HttpResponse(status=200)

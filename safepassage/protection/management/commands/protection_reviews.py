from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from safepassage.protection.services import review_tasks_raise


class Command(BaseCommand):
    help = (
        "Raise a case task, once, for every current risk assessment whose review "
        "date has passed (the same work as the raise_review_tasks background task)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        raised = review_tasks_raise()
        self.stdout.write(f"Review tasks raised: {raised}")

"""Start Django for a benchmark: test settings, a throw-away database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def create_test_database() -> str:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    setup_test_environment()
    return connection.creation.create_test_db(verbosity=0, keepdb=False)


def destroy_test_database(name: str) -> None:
    import shutil

    from django.conf import settings
    from django.db import connection

    connection.creation.destroy_test_db(name, verbosity=0)
    shutil.rmtree(settings.VAR_DIR, ignore_errors=True)

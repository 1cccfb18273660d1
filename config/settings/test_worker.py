"""Settings for a background process started by a test (a real
`manage.py db_worker`: `intake/tests/test_delivery.py`): the test process's
database, key ring and files, handed over in the environment, and the
database task backend."""

import json
import os
from pathlib import Path

from .test import *  # noqa: F403

VAR_DIR = Path(os.environ["SAFEPASSAGE_WORKER_VAR_DIR"])
DATABASES = {"default": json.loads(os.environ["SAFEPASSAGE_WORKER_DATABASE"])}
VAULT_KEYRING_PATH = VAR_DIR / "keyring.json"
VAULT_MEDIA_ROOT = VAR_DIR / "vault-media"
TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

"""Settings for a real `manage.py db_worker` started by a test
(`test_delivery.py`): the test process's database, key ring and files,
handed over in the environment, and the database task backend."""

import json
import os
from pathlib import Path

from config.settings.test import *  # noqa: F403

VAR_DIR = Path(os.environ["SAFEPASSAGE_WORKER_VAR_DIR"])
DATABASES = {"default": json.loads(os.environ["SAFEPASSAGE_WORKER_DATABASE"])}
VAULT_KEYRING_PATH = VAR_DIR / "keyring.json"
VAULT_MEDIA_ROOT = VAR_DIR / "vault-media"
TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

"""Test settings: the same code paths, cheaper key derivation."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, SQLITE_PRAGMAS, database_from_env

INSTALLED_APPS = [*INSTALLED_APPS, "safepassage.vault.tests.probe"]

SECRET_KEY = "test-only-secret-key-not-for-any-deployment-0123456789"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# One directory per test process (xdist workers and parallel runs never
# share a database file or key ring).
_test_var = BASE_DIR / "var" / "test" / f"p{os.getpid()}"
VAR_DIR = _test_var
DATABASES = {"default": database_from_env(_test_var / "test.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that the canary test can read the database
    # and its -wal from disk. Each xdist worker gets its own file.
    DATABASES["default"]["TEST"] = {"NAME": str(_test_var / "test-db.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "init_command": SQLITE_PRAGMAS,
        "transaction_mode": "IMMEDIATE",
    }

VAULT_KEYRING_PATH = _test_var / "keyring.json"
VAULT_MEDIA_ROOT = _test_var / "vault-media"
# Argon2 is deliberately slow in production; tests exercise the same code
# with small parameters. docs/benchmarks.md measures the real cost.
VAULT_ARGON2_TIME_COST = 1
VAULT_ARGON2_MEMORY_KIB = 8 * 1024
VAULT_ARGON2_PARALLELISM = 1

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The webhook view is tested directly; the spool and its WSGI front have tests of their own.
INTAKE_WEBHOOK_SPOOL = False

"""System checks stay clean, on the development and production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def test_check_has_no_warnings() -> None:
    call_command("check", fail_level="WARNING")


@pytest.mark.slow
def test_deploy_check_on_production_settings() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 30 + "-production-test-secret-key-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "safepassage.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_are_secure() -> None:
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "y" * 64,
    }
    code = (
        "import json, config.settings.production as s;"
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.LANGUAGE_COOKIE_SECURE, s.SESSION_COOKIE_NAME, s.SECURE_HSTS_SECONDS > 0]))"
    )
    result = subprocess.run(  # noqa: S603 -- fixed arguments
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == '[true, true, true, "__Host-sessionid", true]'


def test_argon2_is_first_in_the_real_settings() -> None:
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == (
        "safepassage.accounts.hashers.SafePassageArgon2PasswordHasher"
    )

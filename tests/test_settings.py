"""System checks stay clean, on the development and production settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from safepassage.core.checks import secret_key_weakness

ROOT = Path(__file__).resolve().parent.parent


def test_check_has_no_warnings() -> None:
    call_command("check", fail_level="WARNING")


@pytest.mark.slow
def test_deploy_check_on_production_settings() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "safepassage.example.org",
    }
    result = _deploy_check(env)
    assert result.returncode == 0, result.stdout + result.stderr


def _deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _example_env() -> dict[str, str]:
    """deploy/production.env.example as a service manager would read it."""
    lines = (ROOT / "deploy" / "production.env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {**os.environ, **dict(pairs)}


@pytest.mark.slow
def test_the_example_key_is_refused_by_the_deploy_check_with_its_reason() -> None:
    """The attack: deploy with the key everyone can read in the example (it
    passed `check --deploy` with no issues, and signed resume cookies)."""
    result = _deploy_check(_example_env())
    assert result.returncode != 0
    assert "safepassage.E001" in result.stderr
    assert "not fit for production" in result.stderr


@pytest.mark.slow
def test_the_web_server_refuses_to_start_with_the_example_key(tmp_path: Path) -> None:
    env = {**_example_env(), "SAFEPASSAGE_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not fit for production" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "replace-me-with-64-random-characters-replace-me-with-64-random-char",
        "change-me-this-placeholder-is-refused-by-check-deploy-and-by-wsgi",
        "django-insecure-" + "k3J9-xQ2mZ7vB1nW8pL4tR6yH0cF5gD3sA9eU2iO7",
        "x" * 64,
        "abcdefghijklmnopqrstuvwxyz" * 3,
        "0123456789" * 6,
        "short-but-random-9fQ2xL",
        "0" * 30 + "1234567890abcdefghijklmnopqrstuv",
    ],
)
def test_weak_keys_are_refused(key: str) -> None:
    assert secret_key_weakness(key) is not None


def test_generated_keys_pass() -> None:
    for _ in range(200):
        assert secret_key_weakness(secrets.token_urlsafe(64)) is None
        assert secret_key_weakness(secrets.token_hex(32)) is None


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

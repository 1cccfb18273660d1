"""Production: base settings with security turned all the way up."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, VAR_DIR, env, env_bool, env_int

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to at least 50 characters.")

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SAFEPASSAGE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SAFEPASSAGE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The directive alone submits nothing; submitting the domain stays a decision.
SECURE_HSTS_PRELOAD = env_bool("SAFEPASSAGE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

# Static files get content-hashed names (`manage.py collectstatic`), so the
# reverse proxy may serve STATIC_ROOT with a year-long, immutable cache: a
# phone on a slow link fetches the stylesheet, htmx and fonts once.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

# One screening index per machine, in `manage.py screening_server`
# (deploy/systemd/safepassage-screening.service); no web worker builds one.
SCREENING_SOCKET = env("SAFEPASSAGE_SCREENING_SOCKET", "") or str(
    VAR_DIR / "screening" / "screening.sock"
)

"""WSGI entry point. The Telegram webhook's fast path (spool) sits in
front of Django: safepassage/intake/fastpath.py says what it does.

Outside DEBUG, a secret key unfit for production stops the start here,
with the reason (safepassage/core/checks.py), as `check --deploy` does."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from safepassage.core.checks import secret_key_refusal
from safepassage.intake.fastpath import TelegramWebhookFastPath

django_application = get_wsgi_application()
if not settings.DEBUG and (refusal := secret_key_refusal()):
    raise ImproperlyConfigured(refusal)
application = TelegramWebhookFastPath(django_application)

"""WSGI entry point. The Telegram webhook's fast path (spool) sits in
front of Django: safepassage/intake/channels/telegram/fastpath.py says
what it does (imported once Django is set up: it reads intake's models).

Outside DEBUG, a secret key unfit for production stops the start here,
with the reason (safepassage/core/checks.py), as `check --deploy` does."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from safepassage.core.checks import secret_key_refusal

django_application = get_wsgi_application()

from safepassage.intake.channels.telegram.fastpath import TelegramWebhookFastPath  # noqa: E402

if not settings.DEBUG and (refusal := secret_key_refusal()):
    raise ImproperlyConfigured(refusal)
application = TelegramWebhookFastPath(django_application)

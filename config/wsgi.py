"""WSGI entry point. The Telegram webhook's fast path (spool) sits in
front of Django: safepassage/intake/fastpath.py says what it does."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from safepassage.intake.fastpath import TelegramWebhookFastPath

application = TelegramWebhookFastPath(get_wsgi_application())

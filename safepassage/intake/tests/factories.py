from __future__ import annotations

import hashlib
import hmac
import json

from safepassage.intake import services
from safepassage.intake.models import Channel

TELEGRAM_SECRET = "tg-secret_0123456789abcdef"
FACEBOOK_VERIFY = "fb-verify_0123456789abcdef"
FACEBOOK_APP_SECRET = "app-secret-not-real"


def telegram_channel(name: str = "Demo bot") -> Channel:
    return services.channel_create(
        actor=None,
        kind="telegram",
        name=name,
        token="123456:ABC-not-a-real-token",
        webhook_secret=TELEGRAM_SECRET,
        api_url="http://127.0.0.1:9",
    )


def facebook_channel(name: str = "Demo page") -> Channel:
    return services.channel_create(
        actor=None,
        kind="facebook",
        name=name,
        token="EAAG-not-a-real-token",
        webhook_secret=FACEBOOK_VERIFY,
        app_secret=FACEBOOK_APP_SECRET,
        api_url="http://127.0.0.1:9",
    )


def signed(body: bytes, secret: str = FACEBOOK_APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def private_message(update_id: int, text: str = "mingalaba", chat_id: int = 4242) -> dict:
    """A Telegram update of the shape the Bot API sends (invented ids)."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 7,
            "date": 1764400000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Invented"},
            "from": {
                "id": chat_id,
                "is_bot": False,
                "first_name": "Invented",
                "language_code": "my",
            },
            "text": text,
        },
    }


def page_delivery(*events: dict) -> bytes:
    return json.dumps(
        {"object": "page", "entry": [{"id": "1001", "time": 1764400000, "messaging": list(events)}]}
    ).encode()

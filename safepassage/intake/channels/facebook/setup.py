"""Messenger's set-up: the page subscribes the app to its `messages` and
`messaging_postbacks` (`manage.py channel_set_webhook`; the callback URL
and verify token are set once in the app's dashboard)."""

from __future__ import annotations

import httpx

from safepassage.intake.channels.base import SetupRefused
from safepassage.intake.channels.facebook.sender import GRAPH_VERSION

SUBSCRIBED_FIELDS = "messages,messaging_postbacks"


def page_subscribe(*, api_url: str, token: str) -> None:
    """Subscribe the app to the page's messages. Raises SetupRefused."""
    try:
        response = httpx.post(
            f"{api_url}/{GRAPH_VERSION}/me/subscribed_apps",
            data={"subscribed_fields": SUBSCRIBED_FIELDS, "access_token": token},
            timeout=15,
        )
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SetupRefused(f"The Graph API could not be reached: {type(exc).__name__}") from None
    if response.status_code != 200 or answer.get("success") is not True:
        error = answer.get("error", {}) if isinstance(answer, dict) else {}
        detail = error.get("message", "no reason given") if isinstance(error, dict) else ""
        raise SetupRefused(f"Facebook refused ({response.status_code}): {detail}")

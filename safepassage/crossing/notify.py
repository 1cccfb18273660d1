"""Alerts sent to a unit's staff channel (a Telegram chat of its staff).

The message names the case code and says it needs attention; never a
place, a name, a word or the alert's reason, so that a staff phone lost
or seized tells nothing more than that a case needed attention.

A channel that cannot be reached is recorded on the channel (a short
reason code, shown on the unit's channel page) and on the alert
(`notify_state` failed); the alert stays in the product, on the home
panel of everyone who must see it. A notice is tried once per raise and
once more on escalation; nothing is sent twice on purpose.
"""

from __future__ import annotations

import asyncio
import logging

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safepassage.accounts.selectors import headquarters_id
from safepassage.audit.services import audit_record

from .models import CrossingAlert, NotifyState, StaffChannel

logger = logging.getLogger("safepassage.crossing")


def _headquarters_id() -> int | None:
    return headquarters_id()


def staff_text(code: str) -> str:
    with translation.override("en"):
        return str(_("%(code)s needs attention.") % {"code": code})


def alert_notify(alert_id: int) -> str:
    """Send the alert's notice (to the unit's channel; once escalated, to
    headquarters' channel). Returns the new notify state."""
    alert = CrossingAlert.objects.select_related("plan__case").filter(pk=alert_id).first()
    if alert is None:
        return "missing"
    unit_id = (_headquarters_id() if alert.escalated_at is not None else alert.unit_id) or 0
    channel = (
        StaffChannel.objects.select_related("data_key__unit_key")
        .filter(unit_id=unit_id, is_active=True)
        .first()
    )
    if channel is None:
        state, reason = NotifyState.NONE, ""
    else:
        reason = _send(channel, staff_text(alert.plan.case.code))
        state = NotifyState.SENT if not reason else NotifyState.FAILED
    now = timezone.now()
    with transaction.atomic():
        if alert.escalated_at is None or state == NotifyState.SENT:
            CrossingAlert.objects.filter(pk=alert.pk).update(
                notify_state=state, notified_at=now if state == NotifyState.SENT else None
            )
        if channel is not None:
            StaffChannel.objects.filter(pk=channel.pk).update(
                last_ok_at=now if not reason else channel.last_ok_at,
                last_error=reason,
                last_error_at=now if reason else channel.last_error_at,
            )
        audit_record(
            actor=None,
            action="crossing.alert_notified",
            target=alert,
            unit=alert.unit_id,
            details={"state": state, "reason": reason, "escalated": alert.escalated_at is not None},
        )
    return str(state)


def _send(channel: StaffChannel, text: str) -> str:
    """ "" when sent, else a short reason code."""
    try:
        return asyncio.run(_send_async(channel.api_url, channel.token or "", channel.chat_id, text))
    except Exception as error:  # never the provider's text: it may echo the token
        logger.warning("crossing: staff channel %s failed [%s]", channel.pk, type(error).__name__)
        return "error"


async def _send_async(api_url: str, token: str, chat_id: str, text: str) -> str:
    from telegram import Bot
    from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TimedOut

    bot = Bot(token=token, base_url=f"{api_url}/bot", base_file_url=f"{api_url}/file/bot")
    try:
        async with bot:
            await bot.send_message(chat_id=chat_id, text=text)
    except InvalidToken:
        return "bad_token"
    except Forbidden:
        return "forbidden"
    except BadRequest:
        return "refused"
    except TimedOut:
        return "timed_out"
    except NetworkError:
        return "unreachable"
    return ""

"""Demo data for advance contact: prepared replies and one invented
conversation from the web form, so that the inbox is not empty."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from safepassage.intake import web
from safepassage.intake.models import CannedReply, Channel, ChannelKind

CANNED = (
    (
        "Received",
        "သင့်စာကို ရရှိပါပြီ။ မကြာမီ ပြန်ဖြေပါမည်။",
        "We have your message. We will answer soon.",
    ),
    (
        "Stay where you are",
        "လုံခြုံသောနေရာတွင် နေပါ။ အသေးစိတ်ကို ဤနေရာတွင် ပြောပြပါမည်။",
        "Stay somewhere safe. We will tell you the details here.",
    ),
)


@dataclass(frozen=True)
class IntakeDemo:
    code: str
    created: bool


@transaction.atomic
def demo_intake_seed() -> IntakeDemo:
    """Idempotent: the prepared replies by title; the demo conversation once."""
    for title, body_my, body_en in CANNED:
        CannedReply.objects.get_or_create(
            title=title, defaults={"body_my": body_my, "body_en": body_en}
        )
    existing = Channel.objects.filter(kind=ChannelKind.WEB).first()
    if existing is not None and existing.contacts.exists():
        first = existing.contacts.exclude(code__isnull=True).order_by("pk").first()
        return IntakeDemo(first.code if first and first.code else "", created=False)
    opened = web.web_contact_open(
        answers={
            "category": "conscript",
            "township": "ေတာင္ႀကီး",  # typed in Zawgyi
            "stage": "in_training",
            "leave_when": "နောက်အပတ် စနေ",
        },
        message="ကျွန်တော် စစ်သင်တန်းက ထွက်ချင်ပါတယ်။ (invented demo message)",
        language="my",
    )
    return IntakeDemo(opened.contact.code or "", created=True)

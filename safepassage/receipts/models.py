"""Issued receipts: what was signed, never who it was for.

A receipt carries no name: case code, items, amounts, date, unit label,
schedule version. The row keeps the number, the key id, a SHA-256 of the
signed content (to catch a number presented with other content) and the
unit whose staff may open it; `revoked_at` marks a receipt withdrawn.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReceiptKind(models.TextChoices):
    HANDOVER = "handover", _("Handover")
    PAYMENT = "payment", _("Payment")
    STIPEND = "stipend", _("Stipend")


class Receipt(models.Model):
    number = models.CharField(_("receipt number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ReceiptKind.choices)
    key_id = models.CharField(max_length=36)
    content_sha256 = models.CharField(max_length=64)
    content = models.TextField()
    signature = models.CharField(max_length=100)
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    issued_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("receipt")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ReceiptKind.values), name="receipts_receipt_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"receipt {self.number}"

    @property
    def text(self) -> str:
        """The printable form: `SPR1.<content>.<signature>`, base64url."""
        from .signing import receipt_text

        return receipt_text(self.content.encode("ascii"), self.signature)

    @property
    def qr_svg(self) -> str:
        """The text as a QR code (inline SVG, no external resources)."""
        from .signing import qr_svg

        return qr_svg(self.text)

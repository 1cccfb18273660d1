"""Which receipts a member of staff may open: their unit's, or any at headquarters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .models import Receipt


class ReceiptNotFound(Exception):
    """No such receipt, or another unit's: the page cannot tell them apart."""


def user_sees_receipt(user: Any, receipt: Receipt) -> bool:
    unit = getattr(user, "unit", None) if getattr(user, "unit_id", None) else None
    if unit is None or not getattr(user, "is_active", False):
        return False
    return bool(unit.is_headquarters or unit.pk == receipt.unit_id)


def receipt_get_for_user(*, user: Any, number: str) -> Receipt:
    receipt = Receipt.objects.filter(number=str(number)[:32]).first()
    if receipt is None or not user_sees_receipt(user, receipt):
        raise ReceiptNotFound(receipt)
    return receipt


@dataclass(frozen=True)
class ReceiptView:
    receipt: Receipt
    content: dict[str, Any]
    text: str
    qr_svg: str


def receipt_view(receipt: Receipt) -> ReceiptView:
    return ReceiptView(receipt, json.loads(receipt.content), receipt.text, receipt.qr_svg)

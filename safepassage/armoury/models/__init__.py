"""The armoury's data: the catalogue, the register and custody, the reward
schedule and the claims. See each module's docstring for its invariants."""

from ..workflow import ClaimStatus, CustodyState
from .catalogue import Category, Kind
from .items import (
    AlertStatus,
    Condition,
    CountLine,
    CustodyMove,
    DuplicateSerialAlert,
    Item,
    ItemPhoto,
    SerialLock,
    StockCount,
)
from .rewards import Claim, ClaimLine, Rate, RateBasis, ScheduleVersion

__all__ = [
    "AlertStatus",
    "Category",
    "Claim",
    "ClaimLine",
    "ClaimStatus",
    "Condition",
    "CountLine",
    "CustodyMove",
    "CustodyState",
    "DuplicateSerialAlert",
    "Item",
    "ItemPhoto",
    "Kind",
    "Rate",
    "RateBasis",
    "ScheduleVersion",
    "SerialLock",
    "StockCount",
]

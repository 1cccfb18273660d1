"""What the cases app tells other apps, inside its own transactions."""

from __future__ import annotations

from django.dispatch import Signal

#: A case's unit column is about to name another unit (a transfer being
#: accepted), inside the transaction that changes it: `case`,
#: `from_unit_id`, `to_unit_id`, `actor`. Records of other apps whose keys
#: are bound to the case's unit move theirs here; a receiver that raises
#: refuses the whole change (sent with `send`, not `send_robust`).
case_unit_moving = Signal()

"""Access matrix rows for the read-only place admin (see tests/access_matrix.py)."""

from safepassage.accounts.roles import Role
from tests.access_matrix import MATRIX, roles

MATRIX.row("admin:geo_township_changelist", allow=roles(Role.ADMINISTRATOR))
MATRIX.row(
    "admin:geo_township_change",
    kwargs={"object_id": "MMR013008"},
    allow=roles(Role.ADMINISTRATOR),
)
MATRIX.row("admin:geo_district_changelist", allow=roles(Role.ADMINISTRATOR))
MATRIX.row("admin:geo_state_changelist", allow=roles(Role.ADMINISTRATOR))
# Place data changes only by migration: nobody may add one by hand.
MATRIX.row("admin:geo_township_add", allow=roles(Role.ADMINISTRATOR), ok_status=403)

"""Access matrix rows for operations (see tests/access_matrix.py)."""

from safepassage.accounts.roles import Role
from tests.access_matrix import MATRIX, roles

# The matrix's sessions never typed the password again: an administrator
# is sent to confirm it first (302); nobody else reaches the page. The POST
# row proves a panic is never triggered without the fresh password.
MATRIX.row("operations:panic", allow=roles(Role.ADMINISTRATOR), ok_status=302)
MATRIX.row(
    "operations:panic",
    allow=roles(Role.ADMINISTRATOR),
    method="post",
    data={"confirm": "PANIC"},
    ok_status=302,
    label="POST panic",
)

"""Access matrix rows for accounts and the admin (see tests/access_matrix.py)."""

from safepassage.accounts.roles import Role
from tests.access_matrix import ANY_STAFF, MATRIX, roles

MATRIX.row("accounts:account", allow=ANY_STAFF)
MATRIX.row("accounts:backup_codes", allow=ANY_STAFF)
MATRIX.row("accounts:password_change", allow=ANY_STAFF)
MATRIX.row("accounts:passkeys", allow=ANY_STAFF)
MATRIX.row("accounts:enrol_totp", allow=ANY_STAFF)
# The second-factor step: password-only users see it; verified ones move on.
MATRIX.row("accounts:verify", allow=ANY_STAFF, ok_status=302, unverified=200)
# Public; anyone signed in is sent on.
MATRIX.row("accounts:login", allow=ANY_STAFF, ok_status=302, anonymous=200, unverified=302)
MATRIX.row("admin:index", allow=roles(Role.ADMINISTRATOR))
MATRIX.row("admin:accounts_user_changelist", allow=roles(Role.ADMINISTRATOR))
MATRIX.row("admin:accounts_unit_changelist", allow=roles(Role.ADMINISTRATOR))
MATRIX.row("admin:accounts_unit_add", allow=roles(Role.ADMINISTRATOR))
MATRIX.row("admin:accounts_user_add", allow=roles(Role.ADMINISTRATOR), ok_status=403)
MATRIX.row(
    "otp_webauthn:credential-registration-begin",
    allow=ANY_STAFF,
    method="post",
    label="POST passkey registration begin",
)

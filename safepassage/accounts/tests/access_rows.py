"""Access matrix rows for accounts and the admin (see tests/access_matrix.py)."""

from typing import Any

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory
from tests.access_matrix import ANY_STAFF, MATRIX, World, in_unit, roles, world_builder

MATRIX.row("accounts:account", allow=ANY_STAFF)
MATRIX.row("accounts:backup_codes", allow=ANY_STAFF)
MATRIX.row("accounts:password_change", allow=ANY_STAFF)
MATRIX.row("accounts:confirm_password", allow=ANY_STAFF)
# Changing the second factor needs the password typed in this session
# within minutes; the matrix's sessions never typed it: sent to confirm it
# (a passkey registration, an API call, is refused).
MATRIX.row("accounts:passkeys", allow=ANY_STAFF, ok_status=302)
MATRIX.row("accounts:enrol_totp", allow=ANY_STAFF, ok_status=302)
MATRIX.row(
    "accounts:backup_codes",
    allow=ANY_STAFF,
    method="post",
    ok_status=302,
    label="POST backup codes",
)
# The second-factor step: password-only users see it; verified ones move on.
MATRIX.row("accounts:verify", allow=ANY_STAFF, ok_status=302, unverified=200)
# Public; anyone signed in is sent on.
MATRIX.row("accounts:login", allow=ANY_STAFF, ok_status=302, anonymous=200, unverified=302)
MATRIX.row("admin:index", allow=roles(Role.ADMINISTRATOR))
MATRIX.row("admin:accounts_user_changelist", allow=roles(Role.ADMINISTRATOR))
MATRIX.row("admin:accounts_unit_changelist", allow=roles(Role.ADMINISTRATOR))
MATRIX.row("admin:accounts_unit_add", allow=roles(Role.ADMINISTRATOR) & in_unit("hq"))
MATRIX.row("admin:accounts_user_add", allow=roles(Role.ADMINISTRATOR), ok_status=403)
MATRIX.row(
    "otp_webauthn:credential-registration-begin",
    allow=ANY_STAFF,
    method="post",
    ok_status=403,
    label="POST passkey registration begin",
)


# --- The admin, scoped by unit (issue 18 §3) ----------------------------
# Headquarters' administrators act on every unit; unit A's administrator
# on unit A only: another unit's member, headquarters' units, channels
# and prepared replies are refused (403, audited), pages and actions alike.

HQ_ADMINISTRATOR = roles(Role.ADMINISTRATOR) & in_unit("hq")


@world_builder
def _staff(world: World) -> None:
    world.objects["member_a"] = UserFactory(unit=world.units["unit_a"], roles=[Role.CASEWORKER])
    world.objects["member_b"] = UserFactory(unit=world.units["unit_b"], roles=[Role.CASEWORKER])


def _user_kwargs(key: str) -> Any:
    return lambda world: {"object_id": world.objects[key].pk}


MATRIX.row(
    "admin:accounts_user_change",
    kwargs=_user_kwargs("member_a"),
    allow=roles(Role.ADMINISTRATOR),
    label="GET admin user of unit A",
)
MATRIX.row(
    "admin:accounts_user_change",
    kwargs=_user_kwargs("member_b"),
    allow=HQ_ADMINISTRATOR,
    label="GET admin user of unit B",
)
MATRIX.row(
    "admin:accounts_user_history",
    kwargs=_user_kwargs("member_b"),
    allow=HQ_ADMINISTRATOR,
    label="GET admin user history of unit B",
)
for action in ("deactivate", "end_sessions"):
    MATRIX.row(
        "admin:accounts_user_changelist",
        method="post",
        data=lambda world, action=action: {
            "action": action,
            "_selected_action": [world.objects["member_b"].pk],
        },
        allow=HQ_ADMINISTRATOR,
        ok_status=302,
        label=f"POST admin bulk {action} of unit B",
    )
    MATRIX.row(
        "admin:accounts_user_changelist",
        method="post",
        data=lambda world, action=action: {
            "action": action,
            "_selected_action": [world.objects["member_a"].pk, world.objects["member_b"].pk],
        },
        allow=HQ_ADMINISTRATOR,
        ok_status=302,
        label=f"POST admin bulk {action} of units A and B",
    )
    MATRIX.row(
        "admin:accounts_user_changelist",
        method="post",
        data=lambda world, action=action: {
            "action": action,
            "_selected_action": [world.objects["member_a"].pk],
        },
        allow=roles(Role.ADMINISTRATOR),
        ok_status=302,
        label=f"POST admin bulk {action} of unit A",
    )
MATRIX.row(
    "admin:accounts_unit_change",
    kwargs=lambda world: {"object_id": world.units["unit_a"].pk},
    allow=roles(Role.ADMINISTRATOR),
    label="GET admin unit A",
)
MATRIX.row(
    "admin:accounts_unit_change",
    kwargs=lambda world: {"object_id": world.units["hq"].pk},
    allow=HQ_ADMINISTRATOR,
    label="GET admin unit headquarters",
)
MATRIX.row(
    "admin:accounts_unit_change",
    kwargs=lambda world: {"object_id": world.units["unit_a"].pk},
    method="post",
    data={"name": "Unit A renamed", "kind": "security_team", "is_active": ""},
    allow=HQ_ADMINISTRATOR,
    ok_status=302,
    label="POST admin change unit A",
)


# --- Staff administration in the product ---------------------------------
MATRIX.row("accounts:staff", allow=roles(Role.ADMINISTRATOR))
MATRIX.row("accounts:staff_invite", allow=roles(Role.ADMINISTRATOR))
MATRIX.row(
    "accounts:staff_member",
    kwargs=lambda world: {"pk": world.objects["member_a"].pk},
    allow=roles(Role.ADMINISTRATOR),
    label="GET staff member of unit A",
)
MATRIX.row(
    "accounts:staff_member",
    kwargs=lambda world: {"pk": world.objects["member_b"].pk},
    allow=HQ_ADMINISTRATOR,
    label="GET staff member of unit B",
)
MATRIX.row(
    "accounts:staff_active",
    kwargs=lambda world: {"pk": world.objects["member_b"].pk},
    method="post",
    data={"active": "0"},
    allow=HQ_ADMINISTRATOR,
    ok_status=302,
    label="POST deactivate staff member of unit B",
)
MATRIX.row(
    "accounts:staff_active",
    kwargs=lambda world: {"pk": world.objects["member_a"].pk},
    method="post",
    data={"active": "0"},
    allow=roles(Role.ADMINISTRATOR),
    ok_status=302,
    label="POST deactivate staff member of unit A",
)
MATRIX.row(
    "accounts:staff_reinvite",
    kwargs=lambda world: {"pk": world.objects["member_b"].pk},
    method="post",
    allow=HQ_ADMINISTRATOR,
    ok_status=302,  # has a password: told so, sent back
    label="POST reinvite staff member of unit B",
)
# Public: an unknown token answers the same page to everyone.
MATRIX.row(
    "accounts:invitation_open",
    kwargs={"token": "x" * 43},
    allow=ANY_STAFF,
    ok_status=404,
    anonymous=404,
    unverified=404,
)
MATRIX.row("accounts:invitation", allow=ANY_STAFF, ok_status=404, anonymous=404, unverified=404)

"""Invented units and staff for the demo. No real person, unit or place.

Unit names are invented call signs, with a compass direction standing in
for a region; staff usernames name a role and a unit, never a person.
Re-running is safe: what exists is kept. Cases: `cases.py`.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from safepassage.accounts import services as accounts
from safepassage.accounts.models import TOTPDevice, Unit, UnitKind, User
from safepassage.accounts.roles import Role

DEMO_UNITS: list[tuple[str, str, str]] = [
    # (short code, invented name, kind)
    ("hq", "Headquarters (demo)", UnitKind.HEADQUARTERS),
    ("b1", "Battalion Kyee-Hnget (demo)", UnitKind.PDF_BATTALION),
    ("b2", "Battalion Thit-Sar (demo)", UnitKind.PDF_BATTALION),
    ("t1", "Defence Team Padauk (demo)", UnitKind.PEOPLES_DEFENCE_TEAM),
    ("a1", "Administration Team Myay-Lat (demo)", UnitKind.ADMINISTRATION_TEAM),
    ("s1", "Security Team Tay-Zar (demo)", UnitKind.SECURITY_TEAM),
    ("e1", "Resistance Organisation Shwe-Taung (demo)", UnitKind.ETHNIC_RESISTANCE_ORGANISATION),
    # Units without demo logins, so that lists, transfers and reports look
    # like a programme's: invented names, a compass direction for a region.
    ("b3", "Battalion Ngwe-Yi (demo, north)", UnitKind.PDF_BATTALION),
    ("b4", "Battalion Moe-Kyo (demo, north)", UnitKind.PDF_BATTALION),
    ("b5", "Battalion Zay-Ya (demo, north-west)", UnitKind.PDF_BATTALION),
    ("b6", "Battalion Lay-Pyay (demo, north-west)", UnitKind.PDF_BATTALION),
    ("b7", "Battalion Kyar-Nyo (demo, west)", UnitKind.PDF_BATTALION),
    ("b8", "Battalion Yin-Mar (demo, central)", UnitKind.PDF_BATTALION),
    ("b9", "Battalion Sein-Lay (demo, central)", UnitKind.PDF_BATTALION),
    ("b10", "Battalion Kha-Yay (demo, central)", UnitKind.PDF_BATTALION),
    ("b11", "Battalion Pan-Ei (demo, east)", UnitKind.PDF_BATTALION),
    ("b12", "Battalion Nay-Wun (demo, south-east)", UnitKind.PDF_BATTALION),
    ("b13", "Battalion Zin-Yaw (demo, south)", UnitKind.PDF_BATTALION),
    ("b14", "Battalion Taung-Pyo (demo, south)", UnitKind.PDF_BATTALION),
    ("t2", "Defence Team Ngu-War (demo, north)", UnitKind.PEOPLES_DEFENCE_TEAM),
    ("t3", "Defence Team Thit-Kyar (demo, north-west)", UnitKind.PEOPLES_DEFENCE_TEAM),
    ("t4", "Defence Team Moe-Nat (demo, west)", UnitKind.PEOPLES_DEFENCE_TEAM),
    ("t5", "Defence Team Lin-Yone (demo, central)", UnitKind.PEOPLES_DEFENCE_TEAM),
    ("t6", "Defence Team Kyay-Ni (demo, central)", UnitKind.PEOPLES_DEFENCE_TEAM),
    ("t7", "Defence Team Aung-Zay (demo, east)", UnitKind.PEOPLES_DEFENCE_TEAM),
    ("t8", "Defence Team Hnin-Si (demo, south-east)", UnitKind.PEOPLES_DEFENCE_TEAM),
    ("t9", "Defence Team Ta-Gu (demo, south)", UnitKind.PEOPLES_DEFENCE_TEAM),
    ("a2", "Administration Team Kaung-Kin (demo, north-west)", UnitKind.ADMINISTRATION_TEAM),
    ("a3", "Administration Team Pyi-Thit (demo, central)", UnitKind.ADMINISTRATION_TEAM),
    ("a4", "Administration Team Mya-Zin (demo, east)", UnitKind.ADMINISTRATION_TEAM),
    ("a5", "Administration Team Shwe-Pyi (demo, south)", UnitKind.ADMINISTRATION_TEAM),
    ("a6", "Administration Team Yadana-Lay (demo, west)", UnitKind.ADMINISTRATION_TEAM),
    ("s2", "Security Team Myint-Mo (demo, north)", UnitKind.SECURITY_TEAM),
    ("s3", "Security Team Nan-Daw (demo, central)", UnitKind.SECURITY_TEAM),
    ("s4", "Security Team Zeya-Thu (demo, east)", UnitKind.SECURITY_TEAM),
    ("s5", "Security Team Ko-Hnit (demo, south-east)", UnitKind.SECURITY_TEAM),
    ("s6", "Security Team Lwin-Pyin (demo, west)", UnitKind.SECURITY_TEAM),
    (
        "e2",
        "Resistance Organisation Ngwe-Pan (demo, east)",
        UnitKind.ETHNIC_RESISTANCE_ORGANISATION,
    ),
    (
        "e3",
        "Resistance Organisation Taung-Yoe (demo, north)",
        UnitKind.ETHNIC_RESISTANCE_ORGANISATION,
    ),
    (
        "e4",
        "Resistance Organisation Kyauk-Sein (demo, south-east)",
        UnitKind.ETHNIC_RESISTANCE_ORGANISATION,
    ),
]

# Which roles exist in which kind of unit for the demo: every role in at
# least two units.
HQ_ROLES = [
    Role.INTAKE_OPERATOR,
    Role.SCREENING_OFFICER,
    Role.PROTECTION_OFFICER,
    Role.REWARD_OFFICER,
    Role.REWARD_APPROVER,
    Role.CASEWORKER,
    Role.ANALYST,
    Role.ADMINISTRATOR,
]
UNIT_ROLES = [
    Role.UNIT_HANDLER,
    Role.SCREENING_OFFICER,
    Role.PROTECTION_OFFICER,
    Role.REWARD_OFFICER,
    Role.REWARD_APPROVER,
    Role.CASEWORKER,
]
SECOND_UNIT_EXTRA = [Role.INTAKE_OPERATOR, Role.ANALYST, Role.ADMINISTRATOR]
ROLE_SHORT = {
    Role.INTAKE_OPERATOR: "intake",
    Role.UNIT_HANDLER: "handler",
    Role.SCREENING_OFFICER: "screening",
    Role.PROTECTION_OFFICER: "protection",
    Role.REWARD_OFFICER: "reward",
    Role.REWARD_APPROVER: "approver",
    Role.CASEWORKER: "caseworker",
    Role.ANALYST: "analyst",
    Role.ADMINISTRATOR: "admin",
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    unit: str
    role: str
    totp_secret_b32: str


def demo_settings_active() -> bool:
    """True under the local (demo) or test settings: never write demo people elsewhere."""
    # Inside override_settings, SETTINGS_MODULE reads None: the environment tells.
    module = settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE", "")
    return module.rsplit(".", 1)[-1] in ("local", "test")


def demo_password() -> str:
    """One password for every demo account, made once per checkout."""
    path = Path(settings.VAR_DIR) / "demo-password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        words = [
            "river",
            "tamarind",
            "lantern",
            "monsoon",
            "bridge",
            "harbour",
            "pagoda",
            "orchid",
            "compass",
            "meadow",
            "ember",
            "falcon",
        ]
        word_a, word_b = secrets.choice(words), secrets.choice(words)
        path.touch(mode=0o600)
        path.write_text(f"{word_a}-{word_b}-{secrets.randbelow(10**6):06d}\n")
    return path.read_text().strip()


def _b32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def _ensure_user(username: str, unit: Unit, role: Role, password: str) -> DemoLogin:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = accounts.user_create(
            actor=None, username=username, unit=unit, roles=[role], password=password
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = accounts.totp_device_provision(actor=None, user=user)
    return DemoLogin(username, unit.name, str(role.label), _b32(device))


@transaction.atomic
def seed_demo_accounts() -> list[DemoLogin]:
    password = demo_password()
    units: dict[str, Unit] = {}
    for code, name, kind in DEMO_UNITS:
        unit = Unit.objects.filter(name=name).first()
        if unit is None:
            parent = units.get("hq")
            unit = accounts.unit_create(actor=None, name=name, kind=kind, parent=parent)
        units[code] = unit
    logins: list[DemoLogin] = []
    for role in HQ_ROLES:
        logins.append(_ensure_user(f"hq.{ROLE_SHORT[role]}", units["hq"], role, password))
    for code in ("b1", "b2"):
        roles = UNIT_ROLES + (SECOND_UNIT_EXTRA if code == "b2" else [])
        for role in roles:
            logins.append(_ensure_user(f"{code}.{ROLE_SHORT[role]}", units[code], role, password))
    for code in ("t1", "a1", "s1", "e1"):
        logins.append(_ensure_user(f"{code}.handler", units[code], Role.UNIT_HANDLER, password))
    return logins

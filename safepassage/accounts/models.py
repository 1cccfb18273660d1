from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role


class UnitKind(models.TextChoices):
    HEADQUARTERS = "headquarters", _("Headquarters")
    PDF_BATTALION = "pdf_battalion", _("People's Defence Force battalion")
    PEOPLES_DEFENCE_TEAM = "peoples_defence_team", _("People's Defence Team")
    ADMINISTRATION_TEAM = "administration_team", _("Administration team")
    SECURITY_TEAM = "security_team", _("Security team")
    ETHNIC_RESISTANCE_ORGANISATION = (
        "ethnic_resistance_organisation",
        _("Ethnic resistance organisation"),
    )


class Unit(models.Model):
    """Headquarters or a unit that receives people.

    Invariants: `is_headquarters` holds exactly when `kind` is
    headquarters; there is at most one headquarters; a unit is never its
    own parent.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    is_headquarters = models.BooleanField(_("headquarters"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(is_headquarters=True, kind=UnitKind.HEADQUARTERS)
                    | (models.Q(is_headquarters=False) & ~models.Q(kind=UnitKind.HEADQUARTERS))
                ),
                name="accounts_unit_headquarters_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=UnitKind.values),
                name="accounts_unit_kind_known",
            ),
            models.UniqueConstraint(
                fields=["is_headquarters"],
                condition=models.Q(is_headquarters=True),
                name="accounts_unit_one_headquarters",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="accounts_unit_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StaffUserManager(UserManager["User"]):
    """Django's manager without an e-mail address (staff accounts hold none)."""

    def _create_user_object(
        self, username: str, email: Any, password: str | None, **extra_fields: Any
    ) -> User:
        if not username:
            raise ValueError("The given username must be set")
        user = self.model(username=self.model.normalize_username(username), **extra_fields)
        user.password = make_password(password)
        return user


class User(AbstractUser):
    """A member of staff. Belongs to exactly one unit.

    `session_epoch` is copied into each session at sign-in;
    SessionGuardMiddleware ends any session whose copy differs, so bumping
    it (services do, on deactivation and role changes) signs the user out
    everywhere at their next request.
    """

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    session_epoch = models.PositiveIntegerField(_("session epoch"), default=0, editable=False)

    # Staff are at risk too: the account holds a call sign (the username),
    # never a name or an address that could identify the person behind it.
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = None  # type: ignore[assignment]

    EMAIL_FIELD = ""
    objects: ClassVar[StaffUserManager] = StaffUserManager()
    REQUIRED_FIELDS = ["unit"]

    def get_full_name(self) -> str:
        return self.username

    def get_short_name(self) -> str:
        return self.username

    def role_set(self) -> frozenset[Role]:
        """The user's roles, read once per request-bound instance."""
        cached: frozenset[Role] | None = getattr(self, "_role_cache", None)
        if cached is None:
            names = self.groups.filter(name__in=Role.values).values_list("name", flat=True)
            cached = frozenset(Role(name) for name in names)
            self._role_cache = cached
        return cached

    def has_any_role(self, roles: Iterable[str]) -> bool:
        """True when the active user holds at least one of `roles`."""
        if not self.is_active:
            return False
        wanted = set(roles)
        return any(role.value in wanted for role in self.role_set())

"""Where reception units are based and which townships they cover.

Only the township is recorded, never a camp's position: a unit's base
township is coarse enough to route a contact and too coarse to find the
unit. Rows change only through `services`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import Unit
from safepassage.geo.models import Township


class UnitProfile(models.Model):
    """Directory facts about one unit (headquarters has none)."""

    unit = models.OneToOneField(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="profile",
    )
    base_township = models.ForeignKey(
        Township,
        verbose_name=_("base township"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The township only. Never record a camp's position."),
    )

    class Meta:
        verbose_name = _("unit profile")
        verbose_name_plural = _("unit profiles")
        ordering = ["unit__name"]

    def __str__(self) -> str:
        return str(self.unit)


class UnitCoverage(models.Model):
    """A township from which the unit can receive people."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="coverage"
    )
    township = models.ForeignKey(
        Township,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("unit coverage")
        verbose_name_plural = _("unit coverage")
        constraints = [
            models.UniqueConstraint(fields=["unit", "township"], name="forces_unitcoverage_unique"),
        ]
        indexes = [models.Index(fields=["township"], name="forces_coverage_township")]

    def __str__(self) -> str:
        return f"{self.unit} – {self.township}"

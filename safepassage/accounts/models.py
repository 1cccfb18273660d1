from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    """An organisational unit: headquarters or a unit that receives people."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    is_headquarters = models.BooleanField(_("headquarters"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. Belongs to exactly one unit."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )

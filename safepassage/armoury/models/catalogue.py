"""The catalogue of what can be handed over, kept by headquarters.

A kind is data, not code: headquarters adds kinds in the administration
pages, and the reward schedule prices kinds. `max_quantity` is the most
one register line may hold (one weapon per line for serialised kinds;
rounds for ammunition), so that an absurd count is refused at the door.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    RIFLE = "rifle", _("Rifle")
    BATTLE_RIFLE = "battle_rifle", _("Battle rifle")
    MACHINE_GUN = "machine_gun", _("Machine gun")
    PISTOL = "pistol", _("Pistol")
    GRENADE_LAUNCHER = "grenade_launcher", _("Grenade launcher")
    MORTAR = "mortar", _("Mortar")
    MORTAR_ROUND = "mortar_round", _("Mortar rounds")
    HAND_GRENADE = "hand_grenade", _("Hand grenade")
    AMMUNITION = "ammunition", _("Ammunition")
    RADIO = "radio", _("Radio")
    DRONE = "drone", _("Drone")


class Kind(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    name_en = models.CharField(_("name in English"), max_length=120)
    name_my = models.CharField(_("name in Burmese"), max_length=120)
    calibre = models.CharField(_("calibre"), max_length=30, blank=True)
    is_ammunition = models.BooleanField(_("ammunition"), default=False)
    rounds_per_box = models.PositiveIntegerField(_("rounds per box"), null=True, blank=True)
    serialised = models.BooleanField(_("has a serial number"), default=True)
    max_quantity = models.PositiveIntegerField(_("most per register line"), default=1)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("catalogue kind")
        verbose_name_plural = _("catalogue kinds")
        ordering = ["category", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__in=Category.values), name="armoury_kind_category"
            ),
            models.CheckConstraint(
                condition=models.Q(max_quantity__gte=1), name="armoury_kind_max_positive"
            ),
            # A serialised thing is counted one per line; ammunition never is.
            models.CheckConstraint(
                condition=models.Q(serialised=False) | models.Q(max_quantity=1),
                name="armoury_kind_serialised_one",
            ),
            models.CheckConstraint(
                condition=models.Q(is_ammunition=False) | models.Q(serialised=False),
                name="armoury_kind_ammunition_unserialised",
            ),
            models.CheckConstraint(
                condition=models.Q(rounds_per_box__isnull=True) | models.Q(rounds_per_box__gte=1),
                name="armoury_kind_box_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.code

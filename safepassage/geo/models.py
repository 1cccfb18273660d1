"""States/regions, districts and townships with MIMU place codes.

Reference data, loaded by migration 0002 from `data/` and changed only by
later migrations (never by hand in one database, which would make databases
disagree). A township's point is its seat, not a centroid, and may be
unknown; both coordinates are set or neither.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Myanmar's extent with a small margin (it spans about 9.6-28.6 N and
# 92.2-101.2 E). A point outside is a swapped or mistyped coordinate.
LAT_MIN, LAT_MAX = 9.0, 29.0
LON_MIN, LON_MAX = 92.0, 102.0

Point = tuple[float, float]


class CoordSource(models.TextChoices):
    SEAT_WARDS = "seat_wards", _("Median of the township seat's ward points")
    SEAT_WARDS_2019_TOWNSHIP = (
        "seat_wards_2019_township",
        _("Median of the seat's ward points, listed under the 2019 township"),
    )
    VILLAGE_MEDIAN = "village_median", _("Median of the township's village points")
    VILLAGE_MEDIAN_SEAT_REJECTED = (
        "village_median_seat_rejected",
        _("Median of the township's village points (seat point implausible)"),
    )
    UNKNOWN = "unknown", _("Unknown")


class State(models.Model):
    """A state or region (MIMU splits Bago and Shan, and lists Nay Pyi Taw)."""

    pcode = models.CharField(_("place code"), max_length=6, primary_key=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_my = models.CharField(_("name (Burmese)"), max_length=100)

    class Meta:
        verbose_name = _("state or region")
        verbose_name_plural = _("states and regions")
        ordering = ["pcode"]

    def __str__(self) -> str:
        return self.name_en


class District(models.Model):
    pcode = models.CharField(_("place code"), max_length=10, primary_key=True)
    state = models.ForeignKey(
        State, verbose_name=_("state or region"), on_delete=models.PROTECT, related_name="districts"
    )
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_my = models.CharField(_("name (Burmese)"), max_length=100)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["pcode"]

    def __str__(self) -> str:
        return self.name_en


class Township(models.Model):
    """A township (or sub-township) with a representative point.

    Invariants (constraints): `lat` and `lon` are both null or both set;
    a set point lies inside Myanmar's extent; `coord_source` is `unknown`
    exactly when the point is null.
    """

    pcode = models.CharField(_("place code"), max_length=9, primary_key=True)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="townships"
    )
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_my = models.CharField(_("name (Burmese)"), max_length=100)
    # The same name as typed on Zawgyi phones, kept for matching input that
    # the converter leaves as typed.
    name_my_zawgyi = models.CharField(_("name (Burmese, Zawgyi)"), max_length=100, blank=True)
    seat_en = models.CharField(_("seat town (English)"), max_length=100, blank=True)
    seat_my = models.CharField(_("seat town (Burmese)"), max_length=100, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    coord_source = models.CharField(
        _("point source"), max_length=40, choices=CoordSource.choices, default=CoordSource.UNKNOWN
    )

    class Meta:
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        ordering = ["pcode"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(lat__isnull=True, lon__isnull=True)
                    | models.Q(
                        lat__isnull=False,
                        lon__isnull=False,
                        lat__gte=LAT_MIN,
                        lat__lte=LAT_MAX,
                        lon__gte=LON_MIN,
                        lon__lte=LON_MAX,
                    )
                ),
                name="geo_township_point_in_myanmar",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(lat__isnull=True, coord_source=CoordSource.UNKNOWN)
                    | (
                        models.Q(lat__isnull=False)
                        & ~models.Q(coord_source=CoordSource.UNKNOWN)
                        & models.Q(coord_source__in=CoordSource.values)
                    )
                ),
                name="geo_township_coord_source_matches_point",
            ),
        ]

    def __str__(self) -> str:
        return self.name_en

    @property
    def point(self) -> Point | None:
        """(lat, lon), or None when the point is unknown."""
        if self.lat is None or self.lon is None:
            return None
        return (self.lat, self.lon)

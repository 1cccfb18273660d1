"""Names of places for the reports: states/regions and townships by code."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import translation

from .models import State, Township


def _burmese() -> bool:
    return (translation.get_language() or "").startswith("my")


def state_names() -> dict[str, str]:
    """Every state or region's place code -> its name in the active language."""
    burmese = _burmese()
    return {
        pcode: (name_my or name_en) if burmese else name_en
        for pcode, name_en, name_my in State.objects.values_list("pcode", "name_en", "name_my")
    }


def township_names(pcodes: Iterable[str]) -> dict[str, str]:
    burmese = _burmese()
    return {
        pcode: (name_my or name_en) if burmese else name_en
        for pcode, name_en, name_my in Township.objects.filter(pk__in=list(pcodes)).values_list(
            "pcode", "name_en", "name_my"
        )
    }


def state_of_township(pcode: str) -> str:
    """The state or region's place code of a township's place code
    ("MMR013008" -> "MMR013"); "" for anything else."""
    pcode = (pcode or "").strip().upper()
    if len(pcode) >= 6 and pcode.startswith("MMR"):
        return pcode[:6]
    return ""

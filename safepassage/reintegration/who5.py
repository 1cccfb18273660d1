"""The WHO-5 Well-Being Index: five statements about the last two weeks,
each answered 0-5; the raw sum (0-25) times 4 gives 0-100, and 50 or less
suggests poor wellbeing and a reason to look closer.

The English is the WHO's wording. The Burmese is the programme's OWN
translation (no published Burmese version was at hand when this was
written): replace it with a validated one when the programme has it, and
say so in docs/reintegration.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

BURMESE_IS_OWN_TRANSLATION = True
LOW_AT_OR_BELOW = 50


@dataclass(frozen=True)
class Item:
    en: str
    my: str

    def text(self) -> str:
        return self.my if (translation.get_language() or "").startswith("my") else self.en


ITEMS: tuple[Item, ...] = (
    Item("I have felt cheerful and in good spirits", "ပျော်ရွှင်ပြီး စိတ်ဓာတ်ကောင်းခဲ့သည်"),
    Item("I have felt calm and relaxed", "စိတ်အေးချမ်းပြီး စိတ်လက်ပေါ့ပါးခဲ့သည်"),
    Item("I have felt active and vigorous", "တက်ကြွပြီး အားအင်ပြည့်ခဲ့သည်"),
    Item("I woke up feeling fresh and rested", "နိုးလာချိန်တွင် လန်းဆန်းပြီး အနားရခဲ့သည်"),
    Item(
        "My daily life has been filled with things that interest me",
        "နေ့စဉ်ဘဝတွင် စိတ်ဝင်စားစရာများ ပြည့်နေခဲ့သည်",
    ),
)

#: The answers, 5 down to 0.
SCALE: tuple[tuple[int, Item], ...] = (
    (5, Item("All of the time", "အချိန်တိုင်း")),
    (4, Item("Most of the time", "အချိန်အများစု")),
    (3, Item("More than half of the time", "အချိန်တစ်ဝက်ကျော်")),
    (2, Item("Less than half of the time", "အချိန်တစ်ဝက်အောက်")),
    (1, Item("Some of the time", "တစ်ခါတစ်ရံ")),
    (0, Item("At no time", "လုံးဝ မရှိ")),
)


def who5_validate(answers: Sequence[object]) -> list[int]:
    """Five integers 0-5, or ValidationError (bools and text refused)."""
    if not isinstance(answers, list | tuple) or len(answers) != len(ITEMS):
        raise ValidationError(_("Answer all five wellbeing questions."))
    clean: list[int] = []
    for value in answers:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
            raise ValidationError(_("Each wellbeing answer is a number from 0 to 5."))
        clean.append(value)
    return clean


def who5_score(answers: Sequence[object]) -> int:
    """The percentage score 0-100 (raw sum x 4)."""
    return sum(who5_validate(answers)) * 4


def who5_low(score: int) -> bool:
    return score <= LOW_AT_OR_BELOW

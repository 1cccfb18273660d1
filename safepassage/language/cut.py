"""Cutting text to a provider's length limit without breaking a letter.

A Burmese syllable is a consonant with the vowel signs, medials, tone
marks and asat that follow it; cutting between them leaves a sign on
nothing ("စစ်မှုထမ်းခေါ်ယူခံရသ" has lost its vowel). `text_cut` cuts only
at extended grapheme-cluster boundaries (ICU's character break
iterator), and where it can, at the start of a Burmese syllable or after a
space, so that what is left reads as whole words.

Limits are counted in Python characters (code points), as Telegram and
Messenger count them for the scripts used here (none outside the BMP is
expected in labels; an emoji counts as two UTF-16 units and is kept whole
or dropped whole all the same).
"""

from __future__ import annotations

import unicodedata

import icu

ELLIPSIS = "…"

#: Letters that begin a Burmese syllable (consonants, independent vowels,
#: the great sa), unless an asat or a virama binds them to the one before.
_SYLLABLE_START = {chr(c) for c in range(0x1000, 0x102B)} | {"\u103f"}
_BINDS_BACK = {"\u103a", "\u1039"}  # asat, virama (stacked consonant)


def grapheme_boundaries(text: str) -> list[int]:
    """Every position in `text` (code points) where a cluster ends, with 0."""
    if not text:
        return [0]
    # One iterator per call: ICU's iterators hold state and are not shared
    # between threads.
    iterator = icu.BreakIterator.createCharacterInstance(icu.Locale.getRoot())
    iterator.setText(text)
    # ICU reports UTF-16 offsets; map them back to code points.
    utf16_to_index: dict[int, int] = {}
    offset = 0
    for index, char in enumerate(text):
        utf16_to_index[offset] = index
        offset += 2 if ord(char) > 0xFFFF else 1
    utf16_to_index[offset] = len(text)
    return [0, *(utf16_to_index[b] for b in iterator if b in utf16_to_index)]


def _reads_whole(text: str, position: int) -> bool:
    """A cut before `position` keeps whole syllables or words."""
    if position <= 0 or position >= len(text):
        return True
    before, after = text[position - 1], text[position]
    if before.isspace() or after.isspace():
        return True
    if after in _SYLLABLE_START:
        following = text[position + 1] if position + 1 < len(text) else ""
        return following not in _BINDS_BACK and before != "\u1039"
    if unicodedata.category(after).startswith("L") and not ("\u1000" <= after <= "\u109f"):
        return not unicodedata.category(before).startswith("L")  # a Latin word boundary
    return False


def text_cut(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """`text` if it fits in `limit` characters; else its longest prefix that
    ends at a grapheme boundary (preferably at a syllable or word start),
    followed by `ellipsis`, all within `limit`."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    room = limit - len(ellipsis)
    if room <= 0:
        return ellipsis[:limit]
    boundaries = [b for b in grapheme_boundaries(text) if b <= room]
    cut = boundaries[-1] if boundaries else 0
    whole = [b for b in boundaries if b > 0 and _reads_whole(text, b)]
    # A syllable start is preferred when it costs at most half of what is kept.
    if whole and whole[-1] >= cut // 2:
        cut = whole[-1]
    return text[:cut].rstrip() + ellipsis

"""What the person's answers change on their contact: an answer recorded,
the township found from a shared location, a duress word noticed, the case
code and receipt issued."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError

from safepassage.cases.codes import case_code_generate
from safepassage.cases.selectors import case_code_taken
from safepassage.geo.selectors import township_nearest, township_search
from safepassage.language import normalize_text

from ..models import Contact

#: Kept in place of a receipt the person typed.
from ..receipts import receipt_filter, receipt_generate, receipt_hash
from .script import Question


def duress_words() -> list[str]:
    return [normalize_text(w).casefold() for w in settings.INTAKE_DURESS_WORDS if w.strip()]


def says_duress_word(text: str) -> bool:
    """A configured duress word, as a whole word (any case, either script)."""
    words = duress_words()
    if not words or not text:
        return False
    said = normalize_text(text).casefold()
    return any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", said) is not None for word in words)


def answer_record(contact: Contact, question: Question, value: str, *, chosen: bool) -> None:
    """Store one answer (a choice's value, or free text) on `contact`."""
    answers: dict[str, Any] = dict(contact.answers or {})
    if chosen:
        answers[question.name] = value
    else:
        text = normalize_text(value).strip()[: question.max_length]
        if not text:
            return
        answers[question.name] = text
        if question.name == "township":
            found = township_search(text, limit=1)
            answers["township_pcode"] = found[0].pcode if found else ""
    contact.answers = answers


def township_from_location(contact: Contact, body: str) -> bool:
    """Answer "where" with the township nearest to a shared location (matched
    on the server; the point never leaves it). False if the body holds no
    usable point."""
    try:
        point = json.loads(body)
        latitude, longitude = float(point["latitude"]), float(point["longitude"])
    except (ValueError, TypeError, KeyError):
        return False
    township = township_nearest(latitude, longitude)
    if township is None:
        return False
    answers: dict[str, Any] = dict(contact.answers or {})
    answers["township"] = township.name_my if contact.language != "en" else township.name_en
    answers["township_pcode"] = township.pcode
    answers["township_from_location"] = True
    contact.answers = answers
    return True


def code_and_receipt_issue(contact: Contact) -> str:
    """Give `contact` a fresh case code and return a fresh receipt (stored
    only as its hash). The caller shows the receipt once."""
    receipt = receipt_generate()
    contact.receipt_hash = receipt_hash(receipt)
    contact.receipt_filter = receipt_filter(receipt)
    for _attempt in range(5):
        code = case_code_generate()
        if not Contact.objects.filter(code=code).exists() and not case_code_taken(code):
            contact.code = code
            break
    else:
        raise IntegrityError("Could not draw an unused case code.")
    return receipt

"""The Burmese catalogue is valid, complete and actually used.

The catalogue is `locale/my/LC_MESSAGES/django.po`; its terminology is in
`docs/glossary-my.md`. After adding or changing a marked string, refresh
it with the command in `MAKEMESSAGES` (run from the repository root; it
keeps existing translations), translate the new entries, remove every
`#, fuzzy` flag once the entry is checked, and run these tests.

The `.mo` file is a build artefact (`make messages`); these tests compile
the committed `.po` themselves, so a stale `.mo` can neither hide nor cause
a failure.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

REPO = Path(settings.BASE_DIR)
PO_PATH = REPO / "locale" / "my" / "LC_MESSAGES" / "django.po"

# What is not product code: never scanned for strings.
IGNORE = [".venv", "bench", "*/tests/*", "tests", "var", "scripts", "deploy", "docs", "static"]
MAKEMESSAGES = [
    "makemessages",
    "--locale",
    "my",
    "--no-obsolete",
    *(f"--ignore={pattern}" for pattern in IGNORE),
]
# Top-level product directories that hold marked strings.
SOURCE_DIRS = ["config", "safepassage", "templates"]

# Translations that rightly contain no Burmese letter.
NOT_BURMESE = {"English"}

MSGFMT = shutil.which("msgfmt")
needs_gettext = pytest.mark.skipif(
    MSGFMT is None, reason="GNU gettext (msgfmt) is not installed; see scripts/"
)


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"'), text
    assert text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Entries of a PO file, header included (its msgid is "")."""
    entries: list[Entry] = []
    for block in re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8").strip("\n")):
        entry = Entry()
        target: tuple[str, int] | None = None
        for raw in block.splitlines():
            line = raw
            if line.startswith("#~"):
                entry.obsolete = True
                line = line[2:].lstrip()
            elif line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
                continue
            elif line.startswith("#") or not line.strip():
                continue
            if line.startswith('"'):
                assert target is not None, f"continuation without keyword in {path}: {raw}"
                name, index = target
                if name == "msgstr":
                    entry.msgstr[index] += _unquote(line)
                else:
                    setattr(entry, name, getattr(entry, name) + _unquote(line))
                continue
            keyword, _, value = line.partition(" ")
            plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if plural:
                target = ("msgstr", int(plural[1]))
                entry.msgstr[target[1]] = _unquote(value)
            elif keyword == "msgstr":
                target = ("msgstr", 0)
                entry.msgstr[0] = _unquote(value)
            elif keyword in {"msgid", "msgctxt", "msgid_plural"}:
                target = (keyword, 0)
                setattr(entry, keyword, _unquote(value))
            else:
                raise AssertionError(f"unexpected line in {path}: {raw}")
        entries.append(entry)
    return entries


def _header(entries: list[Entry]) -> dict[str, str]:
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    fields = (line.partition(":") for line in header.msgstr[0].splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, _, value in fields}


def _messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.msgid and not e.obsolete]


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    assert PO_PATH.is_file(), f"{PO_PATH} is missing"
    return parse_po(PO_PATH)


# --- (a) the committed catalogue is valid and fully translated -------------


@needs_gettext
def test_msgfmt_accepts_the_catalogue_with_everything_translated() -> None:
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [MSGFMT, "--check", "--statistics", "-o", os.devnull, str(PO_PATH)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )
    report = result.stderr + result.stdout
    assert result.returncode == 0, report
    assert re.search(r"^\d+ translated messages?\.$", report.strip(), re.MULTILINE), report
    assert "untranslated" not in report, report
    assert "fuzzy" not in report, report
    assert "warning" not in report, report


def test_header_declares_burmese_with_one_plural_form(catalogue: list[Entry]) -> None:
    header = _header(catalogue)
    assert header["Language"] == "my"
    assert header["Project-Id-Version"] == "SafePassage"
    assert "charset=UTF-8" in header["Content-Type"]
    assert header["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete(
    catalogue: list[Entry],
) -> None:
    header = next(e for e in catalogue if e.msgid == "")
    assert "fuzzy" not in header.flags, "the header is still marked fuzzy"
    messages = _messages(catalogue)
    assert len(messages) > 100
    problems = []
    for entry in messages:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        if sorted(entry.msgstr) != [0]:  # Burmese has a single plural form
            problems.append(f"wrong plural forms {sorted(entry.msgstr)}: {entry.msgid!r}")
        if not all(text.strip() for text in entry.msgstr.values()):
            problems.append(f"untranslated: {entry.msgid!r}")
    assert not [e.msgid for e in catalogue if e.obsolete], "remove obsolete (#~) entries"
    assert not problems, "\n".join(problems)


_PLACEHOLDER = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"  # %(name)s
    r"|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]"  # %s, %d, %%
    r"|\{\w*\}"  # {name}
)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def test_placeholders_and_markup_are_kept(catalogue: list[Entry]) -> None:
    problems = []
    for entry in _messages(catalogue):
        source = entry.msgid if entry.msgid_plural is None else entry.msgid_plural
        for text in entry.msgstr.values():
            for pattern in (_PLACEHOLDER, _TAG):
                want = Counter(pattern.findall(source))
                got = Counter(pattern.findall(text))
                if want != got:
                    problems.append(f"{entry.msgid!r}: {sorted(want)} != {sorted(got)}")
    assert not problems, "\n".join(problems)


# A Unicode syllable never starts with the vowel sign E (U+1031) or medial YA
# (U+103B); Zawgyi stores both before the consonant. U+1060-U+1097 hold
# Zawgyi's stacked forms (in Unicode they are Shan, Mon and Karen letters).
_ZAWGYI_SHAPES = re.compile(r"(?:^|[^\u1000-\u1030\u1032-\u103F])[\u1031\u103B]|[\u1060-\u1097]")


def test_translations_are_burmese_in_unicode_not_zawgyi(catalogue: list[Entry]) -> None:
    from myanmartools import ZawgyiDetector

    messages = _messages(catalogue)
    texts = [text for e in messages for text in e.msgstr.values()]
    zawgyi_like = [text for text in texts if _ZAWGYI_SHAPES.search(text)]
    assert not zawgyi_like, "Zawgyi-encoded text:\n" + "\n".join(zawgyi_like)
    # Short strings are ambiguous for the detector; the whole catalogue is not.
    assert ZawgyiDetector().get_zawgyi_probability(" ".join(texts)) < 0.01
    not_burmese = [
        e.msgid
        for e in messages
        if e.msgid not in NOT_BURMESE
        and not any(re.search("[\u1000-\u109f]", text) for text in e.msgstr.values())
    ]
    assert not not_burmese, "translations without Burmese text:\n" + "\n".join(not_burmese)
    by_id = {e.msgid: e.msgstr[0] for e in messages}
    assert by_id["Burmese"] == "မြန်မာ"


# --- (b) every marked string in the code is in the catalogue ---------------


@pytest.fixture(scope="module")
def fresh_catalogue(tmp_path_factory: pytest.TempPathFactory) -> list[Entry]:
    """Extract the strings afresh, the same way, into a scratch tree.

    The scratch tree is a copy of the source directories with its own
    `locale/`: makemessages writes `<template>.py` work files beside each
    template, and in a copy nothing else can delete them mid-run (links
    to the real tree failed CI twice that way), nor do they touch the
    committed catalogue or the working tree.
    """
    scratch = tmp_path_factory.mktemp("makemessages")
    for name in SOURCE_DIRS:
        shutil.copytree(
            REPO / name, scratch / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    (scratch / "locale").mkdir()
    (scratch / "catalogue_settings.py").write_text(
        f"from {os.environ['DJANGO_SETTINGS_MODULE']} import *  # noqa: F403\n"
        f"LOCALE_PATHS = [{str(scratch / 'locale')!r}]\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "catalogue_settings",
        "PYTHONPATH": str(scratch),
        "LC_ALL": "C.UTF-8",
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "django", *MAKEMESSAGES, "--no-location"],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    fresh = scratch / "locale" / "my" / "LC_MESSAGES" / "django.po"
    assert fresh.is_file(), result.stdout + result.stderr
    return parse_po(fresh)


# One scan for both tests (the module's fixture), on one worker.
@needs_gettext
@pytest.mark.xdist_group("makemessages")
def test_every_marked_string_is_in_the_catalogue(
    catalogue: list[Entry], fresh_catalogue: list[Entry]
) -> None:
    committed = {e.key for e in _messages(catalogue)}
    found = {e.key for e in _messages(fresh_catalogue)}
    assert len(found) > 100, "makemessages found almost nothing; is the scan broken?"
    missing = sorted(found - committed, key=lambda key: (key[1], key[0] or ""))
    assert not missing, (
        "marked strings missing from locale/my/LC_MESSAGES/django.po; run\n"
        f"  .venv/bin/python manage.py {shlex.join(MAKEMESSAGES)}\n"
        "and translate the new entries:\n" + "\n".join(repr(key[1]) for key in missing)
    )


@pytest.mark.xdist_group("makemessages")
def test_the_fresh_scan_sees_the_strings_of_every_kind_of_source(
    fresh_catalogue: list[Entry],
) -> None:
    """Python code, app templates, project templates and plurals are all scanned."""
    msgids = {e.msgid for e in _messages(fresh_catalogue)}
    assert "Burmese" in msgids  # config/settings
    assert "Unknown role." in msgids  # safepassage/*.py
    assert "Sign in" in msgids  # app template
    assert "Not found" in msgids  # templates/
    assert any(e.msgid_plural for e in _messages(fresh_catalogue))


# --- (c) the pages are served in Burmese -------------------------------------


@pytest.fixture
def compiled_locale(tmp_path: Path) -> Iterator[None]:
    """The committed .po, compiled, as the only project catalogue."""
    if MSGFMT is None:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    target = tmp_path / "locale" / "my" / "LC_MESSAGES"
    target.mkdir(parents=True)
    subprocess.run(  # noqa: S603 - fixed arguments
        [MSGFMT, "--check", "-o", str(target / "django.mo"), str(PO_PATH)], check=True
    )
    # Changing LOCALE_PATHS makes Django drop its cached catalogues.
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        yield


LOGIN_ENGLISH = [
    "Sign in",
    "Username",
    "Password",
    "Continue",
    "Next you will be asked for a code from your authenticator app.",
]
LOGIN_BURMESE = ["အကောင့်ဝင်ရန်", "အသုံးပြုသူအမည်", "စကားဝှက်", "ဆက်သွားရန်"]


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]*>", " ", html)


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_locale")
@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_login_page_is_in_burmese(client: Client, how: str) -> None:
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "my"
        response = client.get(reverse("accounts:login"))
    else:
        response = client.get(reverse("accounts:login"), headers={"accept-language": "my"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="my">' in html
    text = _visible_text(html)
    for burmese in LOGIN_BURMESE:
        assert burmese in text
    for english in LOGIN_ENGLISH:
        assert english not in text, english


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_locale")
def test_login_page_stays_english_by_default(client: Client) -> None:
    html = client.get(reverse("accounts:login"), headers={"accept-language": "en"}).content
    text = _visible_text(html.decode())
    for english in LOGIN_ENGLISH:
        assert english in text
    assert "အကောင့်ဝင်ရန်" not in text

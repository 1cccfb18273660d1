"""seed_demo_screening: the panel has something to show after `make demo`."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from safepassage.accounts.models import User
from safepassage.cases.models import Case
from safepassage.cases.screening import selectors as screening_selectors
from safepassage.demo.screening import DOUBLE_REGISTRATIONS, WATCHED, respelled
from safepassage.watchlists.models import WatchList, WatchListEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_var_dir(settings, tmp_path):
    """The codes a run remembers for the next live in VAR_DIR: one per test."""
    settings.VAR_DIR = tmp_path


def test_respellings_change_the_spelling_only():
    assert respelled("Kyaw Zin Htun") == "Kyao Zin Htun"
    assert respelled("Nay Lin") == "NayLin"


def test_double_registrations_and_watch_list_hits_show_on_the_panel(capsys):
    call_command("seed_demo", "--quiet", "--cases", "60")
    call_command("seed_demo_screening")
    out = capsys.readouterr().out
    assert out.count("is a double registration of") == DOUBLE_REGISTRATIONS
    assert WatchList.objects.count() == 1
    assert WatchListEntry.objects.count() >= WATCHED

    for line in out.splitlines():
        if "is a double registration of" not in line:
            continue
        words = line.split()
        second, username, first = words[0], words[1].strip("()"), words[-3]
        case = Case.objects.get(code=second)
        officer = User.objects.get(username=username)
        assert officer.unit_id == case.unit_id
        screening = screening_selectors.case_screening(user=officer, case=case)
        assert first in [m.case.code for m in screening.matches], line

    watched = out.splitlines()[-1].split(": ", 1)[1].split(", ")
    assert len(watched) == WATCHED
    for item in watched:
        code, username = item.split()
        case = Case.objects.get(code=code)
        officer = User.objects.get(username=username.strip("()"))
        assert officer.unit_id == case.unit_id
        assert screening_selectors.case_screening(user=officer, case=case).watch_hits, code


def test_a_second_run_adds_nothing_and_prints_the_same_codes_again(capsys):
    call_command("seed_demo", "--quiet", "--cases", "30")
    call_command("seed_demo_screening")
    first = capsys.readouterr().out
    cases = Case.objects.count()
    call_command("seed_demo_screening")
    assert capsys.readouterr().out == first
    assert Case.objects.count() == cases
    assert WatchList.objects.count() == 1


def test_without_demo_people_nothing_is_added(capsys):
    call_command("seed_demo", "--quiet", "--cases", "0")
    call_command("seed_demo_screening")
    assert "already there (or no demo people yet)" in capsys.readouterr().out
    assert not WatchList.objects.exists()


def test_refused_outside_demo_settings(settings):
    from django.core.management.base import CommandError

    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError, match="local or test"):
        call_command("seed_demo_screening")
    assert not WatchList.objects.exists()

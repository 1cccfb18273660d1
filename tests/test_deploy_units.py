"""deploy/systemd: every unit runs a command that exists, the periodic
commands the docs ask for have timers, and every service is sandboxed the
same way."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands

UNITS = Path(__file__).resolve().parent.parent / "deploy" / "systemd"
TEMPLATE = "safepassage-command@.service"
MANAGE = "/srv/safepassage/.venv/bin/python manage.py "
#: What the docs ask an operator to run, and how often.
SCHEDULE = {
    "intake_purge": "hourly",  # docs/intake.md, Retention
    "details_requests_expire": "daily",  # docs/screening.md, details requests
    "protection_reviews": "daily",  # docs/protection.md, reviews
    "reintegration_followups": "daily",  # docs/reintegration.md, follow-ups
    "crossing_tick": "*:0/15",  # docs/crossing.md, the worker's catch-up
    "ledger_verify": "daily",  # docs/rewards.md, the ledger
    "grievances_checkins": "hourly",  # docs/reintegration.md, the channel check-in
}


def _unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Sections of a unit file as (key, value) lists (keys may repeat)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r}"
        assert current is not None, f"{path.name}: {line!r} before any section"
        current.append((key, value))
    return sections


def _value(sections: dict[str, list[tuple[str, str]]], section: str, key: str) -> str:
    found = [v for k, v in sections.get(section, []) if k == key]
    assert len(found) == 1, f"{section}.{key}: {found}"
    return found[0]


def _timers() -> dict[str, Path]:
    return {
        p.name.removeprefix("safepassage-command@").removesuffix(".timer"): p
        for p in UNITS.glob("safepassage-command@*.timer")
    }


def test_every_command_run_by_a_unit_exists() -> None:
    commands = get_commands()
    for name in _timers():
        assert name in commands, f"a timer runs manage.py {name}, which does not exist"
    for path in UNITS.glob("*.service"):
        start = _value(_unit(path), "Service", "ExecStart")
        if start.startswith(MANAGE):
            name = start.removeprefix(MANAGE).split()[0]
            assert name == "%i" or name in commands, f"{path.name}: {name}"
    assert _value(_unit(UNITS / TEMPLATE), "Service", "ExecStart") == MANAGE + "%i"


def test_the_periodic_commands_of_the_docs_have_timers() -> None:
    timers = _timers()
    for name, calendar in SCHEDULE.items():
        assert name in timers, f"no timer for manage.py {name}"
        timer = _unit(timers[name])
        assert _value(timer, "Timer", "OnCalendar") == calendar
        assert _value(timer, "Timer", "Persistent") == "true"  # a missed run is made up
        assert _value(timer, "Install", "WantedBy") == "timers.target"


def test_every_service_has_the_web_servers_sandbox_user_and_credential() -> None:
    web = _unit(UNITS / "safepassage-web.service")["Service"]
    own = {"ExecStart", "Type", "Restart", "RestartSec", "TimeoutStopSec"}
    shared = {(k, v) for k, v in web if k not in own}
    assert ("User", "safepassage") in shared
    assert ("ProtectSystem", "strict") in shared
    assert ("NoNewPrivileges", "yes") in shared
    assert any(k == "LoadCredentialEncrypted" for k, _ in shared)
    for path in UNITS.glob("*.service"):
        missing = shared - set(_unit(path)["Service"])
        assert not missing, f"{path.name} lacks {sorted(missing)}"


def test_long_running_services_are_restarted_without_a_limit() -> None:
    """db_worker exits when its database connection is lost (a PostgreSQL
    restart): systemd must start it again however often that happens
    (bench/faults/pg_restart.py), not give up after five quick exits."""
    for name in ("safepassage-web.service", "safepassage-worker.service"):
        unit = _unit(UNITS / name)
        assert _value(unit, "Unit", "StartLimitIntervalSec") == "0", name
        assert _value(unit, "Service", "Restart") == "on-failure", name
        assert float(_value(unit, "Service", "RestartSec")) >= 1, name


def test_the_spool_drain_has_a_timer() -> None:
    """Spool files a killed process left are drained even with no new traffic."""
    assert "intake_drain" in _timers()


ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not on this machine")
def test_systemd_reads_the_calendars_and_the_units(tmp_path: Path) -> None:
    assert ANALYZE is not None
    for path in _timers().values():
        calendar = _value(_unit(path), "Timer", "OnCalendar")
        subprocess.run([ANALYZE, "calendar", calendar], check=True, capture_output=True)  # noqa: S603
    for path in UNITS.iterdir():
        shutil.copy(path, tmp_path / path.name)
    names = [
        "safepassage-web.service",
        "safepassage-worker.service",
        "safepassage-screening.service",
        *(f"safepassage-command@{name}.service" for name in _timers()),
        *(p.name for p in UNITS.glob("*.timer")),
    ]
    result = subprocess.run(  # noqa: S603 (our own unit names)
        [ANALYZE, "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"SYSTEMD_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin"},
    )
    # The checkout is not installed here: the only complaint allowed is that.
    complaints = [
        line
        for line in result.stderr.splitlines()
        if line and "is not executable: No such file or directory" not in line
    ]
    assert not complaints, complaints

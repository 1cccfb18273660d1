"""Verification catches every tampering and names the first bad event."""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from safepassage.audit import chain, db_guard
from safepassage.audit.chain import ChainHead, Problem, chain_verify
from safepassage.audit.models import AuditEvent
from safepassage.audit.services import anchor_key, audit_record
from safepassage.audit.verify import parse_head, read_state, verify_stored_chain

from .conftest import build_chain

CHAIN_LENGTH = 120
TAMPERINGS = 1000


@dataclasses.dataclass
class Row:
    """An in-memory copy of an event, free to be tampered with."""

    sequence: int
    created_at: datetime
    actor_kind: str
    actor_id: int | None
    action: str
    target_type: str
    target_id: str
    unit_id: int | None
    route: str
    details: Any
    mac: str


def _rows() -> list[Row]:
    return [
        Row(**{f.name: getattr(e, f.name) for f in dataclasses.fields(Row)})
        for e in AuditEvent.objects.order_by("sequence")
    ]


@pytest.fixture(scope="module")
def stored_chain(django_db_setup: None, django_db_blocker: Any) -> Any:
    """One chain of CHAIN_LENGTH events, built once; the tests work on copies."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_chain(CHAIN_LENGTH)
        rows = _rows()
        head = read_state()
        anchor = anchor_key()
        transaction.set_rollback(True)
    assert isinstance(head, ChainHead)
    return rows, head, anchor


def _edit(row: Row, rng: random.Random) -> Row:
    field = rng.choice(
        [
            "created_at",
            "actor_kind",
            "actor_id",
            "action",
            "target_type",
            "target_id",
            "unit_id",
            "route",
            "details",
            "mac",
        ]
    )
    changes: dict[str, Any] = {
        "created_at": row.created_at + timedelta(microseconds=rng.choice([-1, 1, 10**6])),
        "actor_kind": "user" if row.actor_kind != "user" else "system",
        "actor_id": (row.actor_id or 0) + rng.randint(1, 5),
        "action": "cases.deleted" if row.action != "cases.deleted" else "cases.opened",
        "target_type": row.target_type + "x",
        "target_id": row.target_id + "1",
        "unit_id": (row.unit_id or 0) + 1,
        "route": "cases:detail" if row.route != "cases:detail" else "",
        "details": {**row.details, "n": row.details.get("n", 0) + 1},
        "mac": f"{rng.getrandbits(256):064x}",
    }
    return dataclasses.replace(row, **{field: changes[field]})


def _tamper(rows: list[Row], rng: random.Random) -> tuple[str, list[Row], int, set[Problem]]:
    """A tampered copy, and the sequence number and problems verification must report."""
    rows = list(rows)
    n = len(rows)
    kind = rng.choice(["edit", "delete", "reorder", "insert", "truncate"])
    if kind == "edit":
        i = rng.randrange(n)
        rows[i] = _edit(rows[i], rng)
        return kind, rows, i + 1, {Problem.MAC_MISMATCH, Problem.REORDERED}
    if kind == "delete":
        i = rng.randrange(n)
        del rows[i]
        if i == n - 1:
            return kind, rows, n, {Problem.TRUNCATED}
        return kind, rows, i + 1, {Problem.GAP}
    if kind == "reorder":
        i, j = sorted(rng.sample(range(n), 2))
        if rng.random() < 0.5:
            # Swap sequence numbers (what an UPDATE would do); read back in order.
            rows[i], rows[j] = (
                dataclasses.replace(rows[j], sequence=rows[i].sequence),
                dataclasses.replace(rows[i], sequence=rows[j].sequence),
            )
        else:
            # Swap places in the stream, numbers untouched.
            rows[i], rows[j] = rows[j], rows[i]
        return kind, rows, i + 1, {Problem.MAC_MISMATCH, Problem.REORDERED, Problem.GAP}
    if kind == "insert":
        p = rng.randrange(n + 1)
        template = rows[min(p, n - 1)]
        forged = dataclasses.replace(
            template,
            sequence=p + 1,
            action="armoury.reward_approved",
            details={"forged": True},
            mac=f"{rng.getrandbits(256):064x}",
        )
        # Half the time a well-formed MAC under a guessed key, linked to
        # the real previous MAC: the attacker lacks only K_p.
        if rng.random() < 0.5:
            prev = rows[p - 1].mac if p else chain.GENESIS_MAC
            forged.mac = chain.compute_mac(bytes(32), forged, prev)
        renumbered = [dataclasses.replace(r, sequence=r.sequence + 1) for r in rows[p:]]
        return (
            kind,
            [*rows[:p], forged, *renumbered],
            p + 1,
            {
                Problem.MAC_MISMATCH,
                Problem.REORDERED,
            },
        )
    k = rng.randint(1, n - 1)
    return kind, rows[: n - k], n - k + 1, {Problem.TRUNCATED}


def test_an_intact_chain_verifies(stored_chain: Any) -> None:
    rows, head, anchor = stored_chain
    result = chain_verify(rows, anchor, head)
    assert result.ok, result.message
    assert result.checked == CHAIN_LENGTH
    assert result.last_mac == head.mac


def test_a_thousand_random_tamperings_are_each_caught_at_the_right_event(
    stored_chain: Any,
) -> None:
    rows, head, anchor = stored_chain
    rng = random.Random(20261125)
    seen: dict[str, int] = {}
    for attempt in range(TAMPERINGS):
        kind, tampered, bad, problems = _tamper(rows, rng)
        result = chain_verify(tampered, anchor, head)
        seen[kind] = seen.get(kind, 0) + 1
        assert not result.ok, (attempt, kind)
        assert result.bad_sequence == bad, (attempt, kind, result)
        assert result.problem in problems, (attempt, kind, result)
    assert set(seen) == {"edit", "delete", "reorder", "insert", "truncate"}


def test_a_wrong_anchor_fails_at_the_first_event(stored_chain: Any) -> None:
    rows, head, _anchor = stored_chain
    result = chain_verify(rows, bytes(32), head)
    assert (result.problem, result.bad_sequence) == (Problem.MAC_MISMATCH, 1)


def test_a_state_that_disagrees_with_the_last_event_is_reported(stored_chain: Any) -> None:
    rows, head, anchor = stored_chain
    wrong_key = dataclasses.replace(head, key=bytes(32))
    result = chain_verify(rows, anchor, wrong_key)
    assert (result.problem, result.bad_sequence) == (Problem.STATE_MISMATCH, CHAIN_LENGTH)
    wrong_mac = dataclasses.replace(head, mac="0" * 64)
    assert chain_verify(rows, anchor, wrong_mac).problem == Problem.STATE_MISMATCH


def test_events_beyond_the_recorded_head_are_reported(stored_chain: Any) -> None:
    rows, head, anchor = stored_chain
    older = ChainHead(sequence=100, mac=rows[99].mac, key=head.key)
    result = chain_verify(rows, anchor, older)
    assert (result.problem, result.bad_sequence) == (Problem.STATE_MISMATCH, 101)


def test_an_empty_or_unreadable_state_with_events_is_reported(stored_chain: Any) -> None:
    rows, _head, anchor = stored_chain
    assert chain_verify(rows, anchor, None).problem == Problem.STATE_MISMATCH
    unreadable = chain_verify(rows, anchor, chain.STATE_UNREADABLE)
    assert unreadable.problem == Problem.STATE_MISMATCH


def test_a_rollback_of_state_and_tail_together_is_caught_only_by_an_external_head(
    stored_chain: Any,
) -> None:
    """Known limit: an old sealed state plus a truncated tail looks consistent.

    A head exported out of band (`audit_head`) catches it.
    """
    rows, head, anchor = stored_chain
    key = anchor
    for _ in range(80):
        key = chain.evolve(key)
    old_state = ChainHead(sequence=80, mac=rows[79].mac, key=key)
    assert chain_verify(rows[:80], anchor, old_state).ok
    external = (CHAIN_LENGTH, head.mac)
    result = chain_verify(rows[:80], anchor, old_state, external_head=external)
    assert (result.problem, result.bad_sequence) == (Problem.TRUNCATED, 81)


def test_an_external_head_that_differs_is_reported(stored_chain: Any) -> None:
    rows, head, anchor = stored_chain
    result = chain_verify(rows, anchor, head, external_head=(50, "ab" * 32))
    assert (result.problem, result.bad_sequence) == (Problem.ANCHOR_MISMATCH, 50)
    assert chain_verify(rows, anchor, head, external_head=(50, rows[49].mac)).ok


def test_the_key_evolves_one_way_and_each_event_uses_its_own_key(stored_chain: Any) -> None:
    rows, head, anchor = stored_chain
    # The stored head's key is K_n: evolving K_0 n times reaches it, and it
    # cannot re-MAC event 1 (which was MACed with K_0).
    key = anchor
    for _ in range(CHAIN_LENGTH):
        key = chain.evolve(key)
    assert key == head.key
    assert chain.compute_mac(head.key, rows[0], chain.GENESIS_MAC) != rows[0].mac


def test_parse_head_accepts_only_seq_colon_mac() -> None:
    assert parse_head("12:" + "AB" * 32) == (12, "ab" * 32)
    for bad in ["", "12", "x:" + "ab" * 32, "12:abc", "12:" + "zz" * 32]:
        with pytest.raises(ValueError):
            parse_head(bad)


# --- against the database, with the triggers dropped (a superuser attacker) ---


@pytest.fixture
def db_chain(db: None) -> list[AuditEvent]:
    events = build_chain(30)
    with connection.cursor() as cursor:
        for statement in db_guard.drop_sql(connection.vendor):
            cursor.execute(statement)
    return events


def _sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def test_the_stored_chain_verifies(db: None) -> None:
    build_chain(25)
    result = verify_stored_chain(chunk_size=7)
    assert result.ok, result.message
    assert result.checked == 25


def test_an_empty_database_verifies(db: None) -> None:
    result = verify_stored_chain()
    assert result.ok
    assert result.checked == 0


def test_sql_edit_of_an_event_is_caught(db_chain: list[AuditEvent]) -> None:
    _sql("UPDATE audit_auditevent SET action = %s WHERE sequence = 12", ["cases.closed"])
    result = verify_stored_chain()
    assert (result.problem, result.bad_sequence) == (Problem.MAC_MISMATCH, 12)


def test_sql_edit_of_details_is_caught(db_chain: list[AuditEvent]) -> None:
    _sql("UPDATE audit_auditevent SET details = %s WHERE sequence = 3", ['{"n": 99}'])
    assert verify_stored_chain().bad_sequence == 3


def test_sql_delete_of_an_event_is_caught(db_chain: list[AuditEvent]) -> None:
    _sql("DELETE FROM audit_auditevent WHERE sequence = 17")
    result = verify_stored_chain()
    assert (result.problem, result.bad_sequence) == (Problem.GAP, 17)


def test_sql_delete_of_the_tail_is_caught(db_chain: list[AuditEvent]) -> None:
    _sql("DELETE FROM audit_auditevent WHERE sequence > 26")
    result = verify_stored_chain()
    assert (result.problem, result.bad_sequence) == (Problem.TRUNCATED, 27)


def test_sql_swap_of_two_events_is_caught(db_chain: list[AuditEvent]) -> None:
    _sql("UPDATE audit_auditevent SET sequence = 1000 WHERE sequence = 8")
    _sql("UPDATE audit_auditevent SET sequence = 8 WHERE sequence = 20")
    _sql("UPDATE audit_auditevent SET sequence = 20 WHERE sequence = 1000")
    result = verify_stored_chain()
    assert result.bad_sequence == 8
    assert result.problem in {Problem.MAC_MISMATCH, Problem.REORDERED}


def test_a_forged_event_appended_by_sql_is_caught(db_chain: list[AuditEvent]) -> None:
    last = db_chain[-1]
    forged = AuditEvent(
        sequence=31,
        created_at=last.created_at,
        actor_kind="system",
        action="armoury.reward_approved",
        details={},
        mac=last.mac,
    )
    forged.save()
    result = verify_stored_chain()
    assert (result.problem, result.bad_sequence) == (Problem.MAC_MISMATCH, 31)


def test_a_tampered_state_row_is_caught(db_chain: list[AuditEvent]) -> None:
    _sql("UPDATE audit_auditchainstate SET sealed = %s WHERE id = 1", [b"garbage"])
    result = verify_stored_chain()
    assert result.problem == Problem.STATE_MISMATCH


def test_verification_follows_a_head_that_moves_on_while_it_runs(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Appends during verification are read in a further round, not called truncation."""
    import safepassage.audit.verify as verify_module

    build_chain(10)
    calls = {"n": 0}

    def read_state_after_an_append() -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            audit_record(actor=None, action="audit.tested")
        return read_state()

    monkeypatch.setattr(verify_module, "read_state", read_state_after_an_append)
    result = verify_stored_chain()
    assert result.ok, result.message
    assert result.checked == 11

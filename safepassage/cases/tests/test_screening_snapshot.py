"""The screening server's encrypted snapshot (cases/screening/snapshot.py):
read back at a start instead of decrypting everyone, reconciled with the
database, refused (and the index built from the database) when altered,
cut, too old or of another year; never a name in clear on disk."""

from __future__ import annotations

import datetime as dt
import stat

import pytest

from safepassage.audit.models import AuditEvent
from safepassage.cases.models import Person
from safepassage.cases.screening import index as screening
from safepassage.cases.screening import records, snapshot
from safepassage.cases.tests.factories import OTHER_NEW, OTHER_OLD, TWICE_OLD, screened_case
from safepassage.vault.keys import data_key_shred

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks of 512 bytes: a few people make a snapshot of many chunks.
    No snapshot of an earlier test (the var dir is the process's)."""
    monkeypatch.setattr(snapshot, "CHUNK", 512)
    snapshot.snapshot_path().unlink(missing_ok=True)
    yield
    snapshot.snapshot_path().unlink(missing_ok=True)


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    """How many people each read from the database decrypted."""
    counted: list[int] = []
    read = screening._Indexed.read

    def counting(self, people, progress=None):
        counted.append(people.count())
        return read(self, people, progress)

    monkeypatch.setattr(screening._Indexed, "read", counting)
    return counted


def _start() -> screening._Build:
    """A server's start, inline (the server does it in a thread)."""
    screening.screening_index_reset()
    with screening._people.lock:
        return screening._people._start(background=None, from_snapshot=True)


def _search(record) -> list:
    return screening.screening_index_local().search(record)


def test_a_restart_reads_the_snapshot_not_the_people(reads, newcomer, earlier, asking):
    screened_case(asking, **OTHER_OLD)
    first = _start()
    assert first.snapshot == "missing"
    assert reads == [3]
    record = records.person_record(Person.objects.get(case=newcomer))
    before = _search(record)
    assert [c.id for c in before] == [str(newcomer.pk), str(earlier.pk)]
    assert screening.screening_snapshot_write() > 0
    path = snapshot.snapshot_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    reads.clear()
    again = _start()
    assert again.snapshot == "loaded"
    assert reads == []  # nobody decrypted
    assert _search(record) == before
    assert len(screening.screening_index_local()) == 3


def test_the_snapshot_holds_no_name_in_clear(newcomer, earlier):
    _start()
    screening.screening_snapshot_write()
    raw = snapshot.snapshot_path().read_bytes()
    for text in (*TWICE_OLD.values(), "Kyao Zin Tun", "654321"):
        if isinstance(text, str):
            assert text.encode() not in raw
    assert b"pickle" not in raw


def test_people_changed_added_shredded_or_restored_while_down_are_reconciled(
    reads, newcomer, earlier, asking, owning
):
    gone = screened_case(owning, **OTHER_NEW)
    restored = screened_case(owning, **OTHER_OLD)
    _start()
    screening.screening_snapshot_write()
    # While the server is down: a new person, a shredding, a person whose
    # row goes back to an older time (a restored backup).
    later = screened_case(owning, **{**TWICE_OLD, "name_latin": "Kyaw Zin Tun"})
    data_key_shred(data_key=gone.data_key)
    Person.objects.filter(case=restored).update(
        updated_at=Person.objects.get(case=restored).updated_at - dt.timedelta(days=3)
    )
    reads.clear()
    build = _start()
    assert build.snapshot == "loaded"
    assert sum(reads) == 2  # the new person and the restored one, no one else
    index = screening.screening_index_local()
    assert index.record(str(gone.pk)) is None
    assert index.record(str(later.pk)) is not None
    assert index.record(str(restored.pk)) is not None
    record = records.person_record(Person.objects.get(case=newcomer))
    found = {c.id for c in index.search(record)}
    assert found == {str(newcomer.pk), str(earlier.pk), str(later.pk)}


def test_shredded_people_are_not_written(newcomer, earlier):
    _start()
    data_key_shred(data_key=earlier.data_key)
    screening.screening_snapshot_write()
    meta, arrays = snapshot.read()
    indexed = screening._Indexed.from_state(meta, arrays)
    assert indexed.index.record(str(earlier.pk)) is None
    assert earlier.pk not in indexed.seen
    assert len(indexed.index) == 1


def _refused_then_built(reads, reason: str) -> None:
    reads.clear()
    build = _start()
    assert build.snapshot == reason
    assert reads == [2]  # built from the database instead
    assert len(screening.screening_index_local()) == 2


@pytest.mark.parametrize("where", [0, 40, 700, -1])
def test_an_altered_snapshot_is_refused_loudly_and_the_index_built(reads, newcomer, earlier, where):
    _start()
    screening.screening_snapshot_write()
    path = snapshot.snapshot_path()
    raw = bytearray(path.read_bytes())
    raw[where] ^= 0x01
    path.write_bytes(bytes(raw))
    _refused_then_built(reads, "not a snapshot" if where == 0 else "altered")
    assert AuditEvent.objects.filter(action="cases.screening_snapshot_refused").count() == 1


def test_a_cut_or_spliced_snapshot_is_refused(reads, newcomer, earlier):
    _start()
    screening.screening_snapshot_write()
    path = snapshot.snapshot_path()
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    _refused_then_built(reads, "truncated")
    # The first chunks of one snapshot followed by the last of another.
    screening.screening_snapshot_write()
    one = path.read_bytes()
    screening.screening_snapshot_write()
    other = path.read_bytes()
    header = len(snapshot.MAGIC) + 16
    path.write_bytes(one[: header + 600] + other[header + 600 :])
    _refused_then_built(reads, "altered")


def test_a_snapshot_too_old_or_of_another_year_is_not_read(reads, monkeypatch, newcomer, earlier):
    _start()
    screening.screening_snapshot_write()
    monkeypatch.setattr(snapshot, "MAX_AGE", dt.timedelta(0))
    _refused_then_built(reads, "too old")
    monkeypatch.setattr(snapshot, "MAX_AGE", dt.timedelta(days=7))
    meta, arrays = screening._people.indexed.state()
    meta["this_year"] -= 1
    snapshot.write(meta, arrays)
    _refused_then_built(reads, "another year")

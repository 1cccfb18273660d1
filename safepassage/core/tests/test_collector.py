"""The collector paused around bulk work, and objects frozen after a build."""

from __future__ import annotations

import gc

import pytest

from safepassage.core.collector import collector_paused, long_lived_freeze


@pytest.fixture
def collector():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector")
def test_paused_inside_and_enabled_again_after_even_on_an_error() -> None:
    gc.enable()
    seen = []
    with collector_paused():
        seen.append(gc.isenabled())
        with collector_paused():
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())  # the inner block leaves the outer's state
    assert seen == [False, False, False]
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError
    assert gc.isenabled()


@pytest.mark.usefixtures("collector")
def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector")
def test_freezing_collects_the_garbage_first_and_hides_what_is_left() -> None:
    class Node:
        other: object

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle, garbage once the names go
    del a, b
    gc.unfreeze()
    kept = [object() for _ in range(10)]
    long_lived_freeze()
    assert not [o for o in gc.get_objects() if isinstance(o, Node)]
    assert gc.get_freeze_count() > len(kept)
    assert not any(o is kept for o in gc.get_objects())

"""The cyclic garbage collector around work that builds millions of objects.

CPython 3.11 runs a full collection whenever the objects that survived
younger collections grow by a quarter of those already old, and each full
collection walks every tracked object. Reading a million rows into lists,
tuples and dicts (none of them in a cycle) therefore spends more time in
the collector than in the reading: 13.6 of 39.6 s for `dedupe_csv` on
1,000,000 rows (docs/benchmarks.md). Reference counting still frees
everything that is not in a cycle while the collector is paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the previous state after it.

    Nests: an inner block leaves the collector as the outer one set it.
    For work bounded in time whose objects hold no reference cycles (a
    cycle made inside is collected after the block, not lost).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def long_lived_freeze() -> None:
    """Move every object tracked now out of the collector's sight for good.

    For a long-running process after it built a large structure it keeps
    (the screening index): later full collections then walk only what was
    made since, instead of the structure's millions of objects on every
    pass, which would stall each request that triggers one. Cyclic garbage
    existing at this moment is frozen too and never freed: call it right
    after a collection, as this does.
    """
    gc.collect()
    gc.freeze()

"""The read side of the reports bench, generated in bulk.

`facts(n)` invents n cases as numpy arrays; `cube_blocks` sums them into
the count cubes exactly as `rollups.contribution` would (same cubes, keys,
week and month cells, units); `cells_insert`, `contributions_insert` and
`case_facts_insert` write them with the database's bulk path: SQLite
`executemany` in one transaction (synchronous off: a throw-away file),
PostgreSQL `COPY ... FROM STDIN` through psycopg. One `ReportContribution`
row per case (cells NULL, not dirty), so that the contributions table has
its real size; `bench_case_facts` is the clear per-case table the naive
and DuckDB comparisons scan (the product has none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

UNITS = 40
DAYS = 730

CATEGORIES = ["conscript", "soldier", "police", "other", "unknown"]
STAGES = ["in_training", "deployed", "other"]
SEXES = ["male", "female", "other"]
RANKS = ["private", "nco", "officer", "police_constable", "police_officer"]
ARMY = ["lib", "ib", "moc", "rc", "police", "other"]
FLOW = ["contacted", "handed_over", "received", "screened", "pathway", "plan", "plan_completed"]
KINDS = ["rifle", "pistol", "ammunition", "grenade", "other"]
CALIBRES = ["5.56", "7.62", "9mm", "unknown"]
PLAN_STATES = ["active", "completed", "lost"]
DIMENSIONS = ["livelihood", "housing", "health", "education", "legal"]
OUTCOMES = ["scheduled", "due", "done", "to_confirm", "cancelled"]


def facts(n: int, seed: int = 22) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "unit": rng.integers(0, UNITS, n),
        "day": rng.integers(0, DAYS, n),  # days before today the case opened
        "region": rng.zipf(1.6, n) % 15,
        "township": rng.zipf(1.3, n) % 330,
        "category": rng.choice(5, n, p=[0.5, 0.3, 0.12, 0.05, 0.03]),
        "stage": rng.integers(0, 3, n),
        "age": rng.choice(
            11, n, p=[0.1, 0.3, 0.25, 0.15, 0.08, 0.05, 0.03, 0.02, 0.01, 0.005, 0.005]
        ),
        "sex": rng.choice(3, n, p=[0.9, 0.09, 0.01]),
        "rank": rng.integers(0, 5, n),
        "army_type": rng.integers(0, 6, n),
        "army_number": rng.zipf(1.4, n) % 500 + 1,
        "batch": rng.integers(0, 12, n),  # 2014..2024, 11 = not recorded
        "reached": rng.integers(1, 8, n),  # how many flow stages reached
        "gaps": rng.integers(0, 45, (n, len(FLOW) - 1)),  # days between stages
        "plan_state": rng.integers(0, 3, n),
        "dimension": rng.integers(0, 5, n),
        "outcome": rng.integers(0, 5, n),
    }


@dataclass
class Block:
    """Cube rows of one cube and period kind, as columns."""

    cube: str
    kind: str
    starts: np.ndarray  # ISO date strings
    units: np.ndarray  # unit ids
    keys: np.ndarray  # key strings
    counts: np.ndarray

    def rows(self) -> Iterator[tuple[Any, ...]]:
        return zip(
            [self.cube] * len(self.counts),
            [self.kind] * len(self.counts),
            self.starts.tolist(),
            self.units.tolist(),
            self.keys.tolist(),
            self.counts.tolist(),
            strict=True,
        )

    def tsv(self) -> str:
        head = f"{self.cube}\t{self.kind}\t"
        return "".join(
            f"{head}{s}\t{u}\t{k}\t{n}\n"
            for s, u, k, n in zip(
                self.starts.tolist(),
                self.units.tolist(),
                self.keys.tolist(),
                self.counts.tolist(),
                strict=True,
            )
        )


def cube_blocks(f: dict[str, np.ndarray], unit_ids: list[int], today: dt.date) -> list[Block]:
    """The cubes as the contributions would sum them (a week and a month
    cell for each fact, keys as `rollups.cell_key` writes them)."""
    from safepassage.reports.rollups import month_start, week_start

    # Days before today may run past DAYS (a stage reached later than the
    # opening is closer to today, never before it): index by days ago.
    days = [today - dt.timedelta(days=d) for d in range(DAYS)]
    periods: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for kind, start_of in (("week", week_start), ("month", month_start)):
        of_day = [start_of(d) for d in days]
        starts = sorted(set(of_day))
        where = {s: i for i, s in enumerate(starts)}
        periods[kind] = (
            np.array([where[s] for s in of_day]),
            np.array([s.isoformat() for s in starts]),
        )
    unit_array = np.array(unit_ids)
    blocks: list[Block] = []

    def emit(cube: str, codes: np.ndarray, label: Callable[[int], str], day, unit) -> None:
        for kind, (index, starts) in periods.items():
            size = len(starts)
            combined = (codes.astype(np.int64) * size + index[day]) * UNITS + unit
            values, counts = np.unique(combined, return_counts=True)
            key_codes, inverse = np.unique(values // UNITS // size, return_inverse=True)
            labels = np.array([label(int(c)) for c in key_codes], dtype=object)
            blocks.append(
                Block(
                    cube=cube,
                    kind=kind,
                    starts=starts[(values // UNITS) % size],
                    units=unit_array[values % UNITS],
                    keys=labels[inverse],
                    counts=counts,
                )
            )

    u, d = f["unit"], f["day"]
    emit(
        "origin",
        f["region"] * 5 + f["category"],
        lambda c: f"region=MMR{c // 5 + 1:03d}|category={CATEGORIES[c % 5]}",
        d,
        u,
    )
    emit(
        "township",
        f["township"],
        lambda c: f"township=MMR{c // 30 + 1:03d}{c % 30 + 1:03d}",
        d,
        u,
    )
    emit(
        "who",
        f["category"] * 3 + f["stage"],
        lambda c: f"category={CATEGORIES[c // 3]}|stage={STAGES[c % 3]}",
        d,
        u,
    )
    emit(
        "age_sex",
        f["age"] * 3 + f["sex"],
        lambda c: f"age={15 + 5 * (c // 3)}-{19 + 5 * (c // 3)}|sex={SEXES[c % 3]}",
        d,
        u,
    )
    emit(
        "rank",
        f["rank"] * 5 + f["category"],
        lambda c: f"rank={RANKS[c // 5]}|category={CATEGORIES[c % 5]}",
        d,
        u,
    )
    emit("army_type", f["army_type"], lambda c: f"army_type={ARMY[c]}", d, u)
    emit(
        "army_unit",
        f["army_type"] * 1000 + f["army_number"],
        lambda c: f"army_unit={ARMY[c // 1000]}-{c % 1000}",
        d,
        u,
    )
    emit(
        "batch",
        f["batch"],
        lambda c: f"batch={2014 + c}" if c < 11 else "batch=unknown",
        d,
        u,
    )
    # The flow: stage s reached on day (opened + the gaps before it),
    # never later than today; flow_days the days spent before it.
    ago = d.copy()
    for s, stage in enumerate(FLOW):
        mask = f["reached"] > s
        if s:
            now_ago = np.maximum(ago - f["gaps"][:, s - 1], 0)
            emit(
                "flow_days",
                (ago - now_ago)[mask],
                lambda c, stage=stage: f"stage={stage}|days={c}",
                now_ago[mask],
                u[mask],
            )
            ago = now_ago
        emit(
            "flow",
            np.zeros(int(mask.sum()), dtype=np.int64),
            lambda c, stage=stage: f"stage={stage}",
            ago[mask],
            u[mask],
        )
        if stage == "plan":
            plan_ago = ago
    weapons = f["army_number"] % 3 == 0
    emit(
        "weapons",
        f["rank"][weapons] * 4 + f["stage"][weapons],
        lambda c: f"kind={KINDS[c // 4]}|calibre={CALIBRES[c % 4]}",
        d[weapons],
        u[weapons],
    )
    planned = f["reached"] >= 6
    emit(
        "plans",
        f["plan_state"][planned],
        lambda c: f"state={PLAN_STATES[c]}",
        plan_ago[planned],
        u[planned],
    )
    emit(
        "milestones",
        f["dimension"][planned],
        lambda c: f"dimension={DIMENSIONS[c]}",
        np.maximum(plan_ago[planned] - 20, 0),
        u[planned],
    )
    emit(
        "followups",
        f["outcome"][planned],
        lambda c: f"outcome={OUTCOMES[c]}",
        np.maximum(plan_ago[planned] - 30, 0),
        u[planned],
    )
    return blocks


# --- bulk writes ---------------------------------------------------------


def _copy(connection: Any, sql: str, chunks: Iterator[str]) -> None:
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for chunk in chunks:
            copy.write(chunk)


def cells_insert(connection: Any, blocks: list[Block]) -> int:
    from safepassage.reports.models import ReportCell

    table = ReportCell._meta.db_table
    columns = "cube, period_kind, period_start, unit_id, key, count"
    if connection.vendor == "postgresql":
        _copy(connection, f"COPY {table} ({columns}) FROM STDIN", (b.tsv() for b in blocks))
    else:
        raw = connection.connection
        for block in blocks:
            raw.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (?, ?, ?, ?, ?, ?)",  # noqa: S608
                block.rows(),
            )
    return sum(len(b.counts) for b in blocks)


def contributions_insert(connection: Any, n: int, key_id: Any, *, first_case: int) -> None:
    """One contribution per case, cells NULL, not dirty (what a refresh
    leaves, without the encrypted cells the read side never reads)."""
    from safepassage.reports.models import ReportContribution

    table = ReportContribution._meta.db_table
    columns = "vault_id, data_key_id, case_id, cells, dirty, version"
    rng = np.random.default_rng(7)
    key_hex = key_id.hex
    step = 100_000
    if connection.vendor == "postgresql":

        def chunks() -> Iterator[str]:
            for start in range(0, n, step):
                size = min(step, n - start)
                ids = rng.bytes(16 * size).hex()
                yield "".join(
                    f"{ids[32 * i : 32 * i + 32]}\t{key_hex}\t{first_case + start + i}\t\\N\tf\t1\n"
                    for i in range(size)
                )

        _copy(connection, f"COPY {table} ({columns}) FROM STDIN", chunks())
        return
    raw = connection.connection
    for start in range(0, n, step):
        size = min(step, n - start)
        ids = rng.bytes(16 * size).hex()
        raw.executemany(
            f"INSERT INTO {table} ({columns}) VALUES (?, ?, ?, NULL, 0, 1)",  # noqa: S608
            ((ids[32 * i : 32 * i + 32], key_hex, first_case + start + i) for i in range(size)),
        )


FACT_COLUMNS = "unit_id, opened, region, category, sex, age"


def case_facts_columns(
    f: dict[str, np.ndarray], unit_ids: list[int], today: dt.date
) -> dict[str, np.ndarray]:
    opened = (np.datetime64(today) - f["day"].astype("timedelta64[D]")).astype(str)
    regions = np.array([f"MMR{r + 1:03d}" for r in range(15)], dtype=object)
    return {
        "unit_id": np.array(unit_ids)[f["unit"]],
        "opened": opened,
        "region": regions[f["region"]],
        "category": np.array(CATEGORIES, dtype=object)[f["category"]],
        "sex": np.array(SEXES, dtype=object)[f["sex"]],
        "age": f["age"],
    }


def case_facts_insert(connection: Any, columns: dict[str, np.ndarray]) -> None:
    """The clear per-case table of the naive comparison (not the product's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_case_facts (unit_id integer, opened date, region text,"
            " category text, sex text, age integer)"
        )
    lists = [columns[name].tolist() for name in FACT_COLUMNS.split(", ")]
    if connection.vendor == "postgresql":
        step = 200_000
        _copy(
            connection,
            f"COPY bench_case_facts ({FACT_COLUMNS}) FROM STDIN",
            (
                "".join(
                    "\t".join(map(str, row)) + "\n"
                    for row in zip(*(col[start : start + step] for col in lists), strict=True)
                )
                for start in range(0, len(lists[0]), step)
            ),
        )
    else:
        connection.connection.executemany(
            "INSERT INTO bench_case_facts VALUES (?, ?, ?, ?, ?, ?)", zip(*lists, strict=True)
        )


def case_facts_csv(columns: dict[str, np.ndarray], path: Path) -> None:
    """The same rows as a CSV file, for DuckDB to load."""
    lists = [columns[name].tolist() for name in FACT_COLUMNS.split(", ")]
    with path.open("w") as out:
        out.write(",".join(FACT_COLUMNS.split(", ")) + "\n")
        out.writelines(",".join(map(str, row)) + "\n" for row in zip(*lists, strict=True))

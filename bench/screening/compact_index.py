"""The compact screening index (`screening.compact.CompactIndex`) beside the
one it replaced (`screening.index.ScreeningIndex`), at up to 1,000,000
generated people, without seeding a database of that size (an hour).

Each stage runs in a process of its own, so that its resident memory is
its own:

1. build: the index from the first N rows of a generated CSV
   (bench/screening/generate.py or heldout.py), through the code path the
   screening server takes after decrypting (`CompactIndex.add` in bulk,
   as `cases.screening.index._Indexed.read` does); the *decryption* of a cold
   build is not in it (about 264 µs a person on PostgreSQL, measured at
   100,000 in docs/benchmarks.md, "Screening server"). Then the encrypted
   snapshot written (`cases.screening.snapshot.write` of `_Indexed.state`), and
   searches in this process.
2. load: a fresh process reads the snapshot (`cases.screening.snapshot.read`,
   `check_fresh`, `_Indexed.from_state`) and reconciles it with a listing
   of every person's updated_at (`_Indexed.reconcile` given the rows a
   database would list: all unchanged); time to ready, memory, searches.
3. serve (with --socket): a fresh process loads the snapshot and answers
   on a Unix socket (`cases.screening.server.serve`, on an empty migrated
   database, for the refresh each request makes); this process asks, as
   a panel does: one ``screen`` (the new panel), and, as the peer, the
   round trips the panel made before (``search``, ``unreadable``, a
   ``record`` for each of the first two candidates).
4. the old index, built at --old-rows (its memory at 1,000,000 is about
   4 GiB), searched with the same people; the new index is built at that
   size too and both answers are compared (they must be equal).

The snapshot key is a random key of the run (the key ring's sealing key in
the product: the same AES-GCM chunks). Usage::

    .venv/bin/python bench/screening/compact_index.py \\
        --csv var/bench/heldout-1000000-1/people.csv --rows 1000000 --old-rows 100000 --socket

For --socket, DATABASE_URL names a migrated (empty) database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

QUERIES = 400
WARMUP = 20


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": pick(0.5), "p95": pick(0.95), "p99": pick(0.99)}


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def _records(path: str, rows: int) -> Any:
    from safepassage.screening.records import PersonRecord

    with open(path, encoding="utf-8", newline="") as fh:
        for k, row in enumerate(islice(csv.DictReader(fh), rows)):
            yield PersonRecord(**{**row, "id": str(k)})  # a case id, as in the product


def _queries(path: str) -> list[Any]:
    from safepassage.screening.records import PersonRecord

    return [PersonRecord(**q) for q in json.loads(Path(path).read_text())]


def _time_searches(index: Any, queries: list[Any]) -> tuple[dict[str, Any], float, list[Any]]:
    for q in queries[:WARMUP]:
        index.search(q)
    samples, cpu_samples, answers = [], [], []
    cpu = time.process_time()
    for q in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        found = index.search(q)
        samples.append((time.perf_counter() - started) * 1000)
        cpu_samples.append((time.process_time() - started_cpu) * 1000)
        answers.append(
            [[c.id, c.score, [[r.field, r.weight, str(r.text)] for r in c.reasons]] for c in found]
        )
    times = {**percentiles(samples), "cpu": percentiles(cpu_samples)}
    return times, time.process_time() - cpu, answers


def _use_key(key_file: str) -> None:
    from safepassage.cases.screening import snapshot as screening_snapshot

    key = Path(key_file).read_bytes()
    screening_snapshot._key = lambda: key  # type: ignore[attr-defined]


# ---------------------------------------------------------------- stages --


def stage_build(args: dict[str, Any]) -> dict[str, Any]:
    _setup()
    from safepassage.screening.compact import CompactIndex
    from safepassage.screening.index import ScreeningIndex

    queries = _queries(args["queries"])
    base = rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    index: Any
    if args["kind"] == "old":
        index = ScreeningIndex(_records(args["csv"], args["rows"]), this_year=2026)
    else:
        index = CompactIndex(this_year=2026)
        with index.bulk():
            for record in _records(args["csv"], args["rows"]):
                index.add(record)
    out: dict[str, Any] = {
        "kind": args["kind"],
        "people": len(index),
        "build_s": round(time.perf_counter() - wall, 1),
        "build_cpu_s": round(time.process_time() - cpu, 1),
        "rss_mib": round(rss_mib()),
        "rss_growth_mib": round(rss_mib() - base),
        "peak_mib": round(peak_mib()),
    }
    if args["kind"] == "new" and args.get("snapshot"):
        import numpy as np

        from safepassage.cases.screening import index as screening
        from safepassage.cases.screening import snapshot as screening_snapshot

        _use_key(args["key"])
        indexed = screening._Indexed(index)
        n = len(index)
        indexed.seen.ids = np.arange(n, dtype=np.int64)
        indexed.seen.micros = np.full(n, 1_700_000_000_000_000, np.int64)
        wall, cpu = time.perf_counter(), time.process_time()
        size = screening_snapshot.write(*indexed.state(), path=Path(args["snapshot"]))
        out["snapshot_write_s"] = round(time.perf_counter() - wall, 1)
        out["snapshot_write_cpu_s"] = round(time.process_time() - cpu, 1)
        out["snapshot_mib"] = round(size / 2**20)
        out["peak_after_write_mib"] = round(peak_mib())
    times, search_cpu, answers = _time_searches(index, queries)
    out["search_ms"] = times
    out["search_cpu_ms_mean"] = round(search_cpu / len(queries) * 1000, 2)
    out["rss_after_searches_mib"] = round(rss_mib())
    Path(args["answers"]).write_text(json.dumps(answers))
    return out


def _load(args: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    import datetime as dt

    from safepassage.cases.screening import index as screening
    from safepassage.cases.screening import snapshot as screening_snapshot

    _use_key(args["key"])
    base = rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    meta, arrays = screening_snapshot.read(Path(args["snapshot"]))
    meta["written_at"] = dt.datetime.now(dt.UTC).isoformat()  # written minutes ago
    screening_snapshot.check_fresh(meta, now=dt.datetime.now(dt.UTC))
    indexed = screening._Indexed.from_state(meta, arrays)
    del arrays
    loaded = time.perf_counter() - wall
    stamp = dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)
    n = len(indexed.index)
    indexed.reconcile(rows=((i, i, stamp) for i in range(n)))
    out = {
        "people": n,
        "read_and_check_s": round(loaded, 1),
        "ready_s": round(time.perf_counter() - wall, 1),
        "ready_cpu_s": round(time.process_time() - cpu, 1),
        "rss_mib": round(rss_mib()),
        "rss_growth_mib": round(rss_mib() - base),
        "peak_mib": round(peak_mib()),
    }
    return indexed, out


def stage_load(args: dict[str, Any]) -> dict[str, Any]:
    _setup()
    indexed, out = _load(args)
    times, search_cpu, answers = _time_searches(indexed.index, _queries(args["queries"]))
    out["search_ms"] = times
    out["search_cpu_ms_mean"] = round(search_cpu / len(answers) * 1000, 2)
    out["rss_after_searches_mib"] = round(rss_mib())
    Path(args["answers"]).write_text(json.dumps(answers))
    return out


def stage_serve(args: dict[str, Any]) -> dict[str, Any]:
    _setup()
    import threading

    from django.utils import timezone

    from safepassage.cases.screening import index as screening
    from safepassage.cases.screening import server as screening_service

    indexed, out = _load(args)
    indexed.watermark = timezone.now()
    screening._people.indexed = indexed
    sock = screening_service.bind(args["socket"])
    Path(args["ready_file"]).write_text(json.dumps(out))
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_stop, args=(args["stop_file"], stop), daemon=True)
    watcher.start()
    screening_service.serve(sock, stop=stop)
    out["rss_after_serving_mib"] = round(rss_mib())
    return out


def _watch_stop(path: str, stop: Any) -> None:
    while not Path(path).exists():
        time.sleep(0.2)
    stop.set()


# ---------------------------------------------------------------- driver --


def run_stage(stage: str, args: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(  # noqa: S603 (this interpreter, this script)
        [sys.executable, __file__, "_stage", stage, json.dumps(args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"stage {stage} failed")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _cpu_of(pid: int) -> float:
    """Seconds of CPU a process has used (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ask_through_socket(path: str, queries_file: str, server_pid: int) -> dict[str, Any]:
    _setup()
    from safepassage.cases.screening.client import RemoteIndex

    remote = RemoteIndex(path)
    queries = _queries(queries_file)
    for q in queries:  # every person's candidates decoded once before timing
        remote.screen(q, limit=10, exclude="", unit=1)

    def one(q: Any) -> None:
        remote.screen(q, limit=10, exclude="", unit=1)

    def before(q: Any) -> None:
        found = remote.search(q, limit=11)
        remote.unreadable()
        for c in found[:2]:
            remote.record(c.id)

    variants = {"screen_one_round_trip": one, "before_search_unreadable_2_records": before}
    samples: dict[str, list[float]] = {name: [] for name in variants}
    cpu = dict.fromkeys(variants, 0.0)
    server_cpu = dict.fromkeys(variants, 0.0)
    for k, q in enumerate(queries):  # the two variants alternate, in turns
        for name in sorted(variants, reverse=bool(k % 2)):
            started, client, server = time.perf_counter(), time.process_time(), _cpu_of(server_pid)
            variants[name](q)
            samples[name].append((time.perf_counter() - started) * 1000)
            cpu[name] += time.process_time() - client
            server_cpu[name] += _cpu_of(server_pid) - server
    return {
        name: {
            "wall_ms": percentiles(samples[name]),
            "client_cpu_ms_mean": round(cpu[name] / len(queries) * 1000, 2),
            "server_cpu_ms_mean": round(server_cpu[name] / len(queries) * 1000, 2),
        }
        for name in variants
    }


def _through_socket(work: Path, big: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    sock, ready, stop = work / "s" / "screening.sock", work / "ready", work / "stop"
    ready.unlink(missing_ok=True)
    stop.unlink(missing_ok=True)
    args = {**big, "socket": str(sock), "ready_file": str(ready), "stop_file": str(stop)}
    server = subprocess.Popen(  # noqa: S603 (this interpreter, this script)
        [sys.executable, __file__, "_stage", "serve", json.dumps(args)],
        stdout=subprocess.PIPE,
        text=True,
    )
    while not ready.exists():
        if server.poll() is not None:
            raise SystemExit("the server stopped")
        time.sleep(0.5)
    result = ask_through_socket(str(sock), common["queries"], server.pid)
    stop.write_text("")
    out, _ = server.communicate(timeout=60)
    result["server"] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_stage":
        stage, args = sys.argv[2], json.loads(sys.argv[3])
        result = {"build": stage_build, "load": stage_load, "serve": stage_serve}[stage](args)
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--old-rows", type=int, default=100_000)
    parser.add_argument("--socket", action="store_true")
    parser.add_argument("--skip-old", action="store_true")
    parser.add_argument(
        "--socket-only", metavar="DIR", help="ask through the socket only, with DIR's snapshot"
    )
    options = parser.parse_args()
    if options.socket_only:
        work = Path(options.socket_only)
        common = {
            "csv": options.csv,
            "queries": str(work / "queries.json"),
            "key": str(work / "key"),
        }
        big = {**common, "rows": options.rows, "snapshot": str(work / "index.snapshot")}
        print(f"uptime: {os.getloadavg()}", flush=True)
        print("socket", _through_socket(work, big, common), flush=True)
        print(f"uptime: {os.getloadavg()}")
        return
    work = Path(tempfile.mkdtemp(prefix="compact-bench-"))
    key = work / "key"
    key.write_bytes(os.urandom(32))
    # The people screened: registered rows of the smaller set (in both).
    with open(options.csv, encoding="utf-8", newline="") as fh:
        rows = [
            {**row, "id": str(k)}
            for k, row in enumerate(islice(csv.DictReader(fh), options.old_rows))
        ]
    queries = random.Random(24).sample(rows, QUERIES)
    del rows
    (work / "queries.json").write_text(json.dumps(queries))
    common = {"csv": options.csv, "queries": str(work / "queries.json"), "key": str(key)}
    print(f"uptime: {os.getloadavg()}", flush=True)
    report: dict[str, Any] = {}
    small = {**common, "rows": options.old_rows}
    report["new_small"] = run_stage(
        "build", {**small, "kind": "new", "answers": str(work / "new-small.json")}
    )
    print("new at", options.old_rows, report["new_small"], flush=True)
    if not options.skip_old:
        report["old_small"] = run_stage(
            "build", {**small, "kind": "old", "answers": str(work / "old-small.json")}
        )
        print("old at", options.old_rows, report["old_small"], flush=True)
        same = json.loads((work / "new-small.json").read_text()) == json.loads(
            (work / "old-small.json").read_text()
        )
        report["same_answers_at_small"] = same
        print("same candidates, scores and reasons:", same, flush=True)
    snapshot = str(work / "index.snapshot")
    big = {**common, "rows": options.rows, "snapshot": snapshot}
    report["new_big"] = run_stage(
        "build", {**big, "kind": "new", "answers": str(work / "new-big.json")}
    )
    print("new at", options.rows, report["new_big"], flush=True)
    report["load_big"] = run_stage("load", {**big, "answers": str(work / "load-big.json")})
    report["load_big"]["same_answers_as_built"] = json.loads(
        (work / "load-big.json").read_text()
    ) == json.loads((work / "new-big.json").read_text())
    print("loaded", report["load_big"], flush=True)
    if options.socket:
        report["socket"] = _through_socket(work, big, common)
        print("socket", report["socket"], flush=True)
    print(f"uptime: {os.getloadavg()}")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

"""Panic: time from the command to the last process refusing to decrypt.

Starts N processes that unlock a throw-away key ring and decrypt in a loop
(safepassage/operations/tests/panic_child.py, a sealed value opened every
0.5 ms), then runs `manage.py vault_panic --yes` as an operator would, in
its own process, against the same key ring. Reports, per round:

- command: from the command's start (a new Python, Django set up) to the
  last child's first refusal;
- script: the same from `scripts/vault-panic` (no Python started);
- marker: from the moment the marker is on disk (the command's own clock
  is not shared, so measured in-process for a second pass: keyring.panic()
  called here) to the last refusal.

A process that decrypts nothing when the panic lands holds keys that no
longer open anything it can reach: its next key use is refused (one stat
of the marker per key use; measured below as the cost per decrypt).

    .venv/bin/python bench/vault/bench_panic.py --processes 4 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench._django import setup_django  # noqa: E402

CHILD = ROOT / "safepassage" / "operations" / "tests" / "panic_child.py"
PASSPHRASE = "benchmark passphrase"  # noqa: S105 - a throw-away key ring


def _children(ring: Path, passfile: Path, count: int) -> list[subprocess.Popen[str]]:
    procs = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, str(CHILD), str(ring), str(passfile)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == "ready", line
    return procs


LAST_OK: list[float] = []


def _last_refusal(procs: list[subprocess.Popen[str]]) -> float:
    """The last child's first refusal (unix time); the last successful
    decrypt of any child goes to LAST_OK."""
    times = []
    oks = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        first = out.split("\n")[0]
        assert first.startswith("refused "), first
        times.append(float(first.split()[1]))
        oks.append(float(first.split()[2]))
        assert "unlock refused" in out
    LAST_OK.append(max(oks))
    return max(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    from safepassage.vault import api, keyring

    by_command: list[float] = []
    by_marker: list[float] = []
    by_script: list[float] = []
    after_marker: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        passfile = Path(tmp) / "pass"
        passfile.write_text(PASSPHRASE)
        for round_no in range(args.rounds):
            for mode in ("command", "script", "marker"):
                ring = Path(tmp) / f"{mode}-{round_no}" / "keyring.json"
                settings.VAULT_KEYRING_PATH = ring
                keyring.keyring_create(PASSPHRASE, path=ring)
                procs = _children(ring, passfile, args.processes)
                if mode == "command":
                    env = dict(os.environ, SAFEPASSAGE_KEYRING=str(ring))
                    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
                    env["SAFEPASSAGE_VAR_DIR"] = str(ring.parent)
                    started = time.time()
                    subprocess.run(
                        [sys.executable, "manage.py", "vault_panic", "--yes"],
                        cwd=ROOT,
                        env=env,
                        check=True,
                        capture_output=True,
                    )
                    by_command.append(_last_refusal(procs) - started)
                elif mode == "script":
                    env = dict(os.environ, SAFEPASSAGE_KEYRING=str(ring))
                    started = time.time()
                    subprocess.run(  # noqa: S603
                        [str(ROOT / "scripts" / "vault-panic")],
                        env=env,
                        check=True,
                        capture_output=True,
                    )
                    by_script.append(_last_refusal(procs) - started)
                else:
                    started = time.time()
                    keyring.panic(path=ring)
                    by_marker.append(_last_refusal(procs) - started)
                    after_marker.append(LAST_OK[-1] - started)
                assert not ring.exists()
                keyring.panic_clear()

        # The price of the check: one stat per key use.
        ring = Path(tmp) / "cost" / "keyring.json"
        settings.VAULT_KEYRING_PATH = ring
        keyring.keyring_create(PASSPHRASE, path=ring)
        keyring.unlock(PASSPHRASE, path=ring)
        n = 100_000
        started = time.perf_counter()
        for _ in range(n):
            keyring.refuse_if_panicked()
        per_check = (time.perf_counter() - started) / n
        sealed = api.seal(b"x" * 64, context="bench")
        started = time.perf_counter()
        for _ in range(n // 10):
            api.unseal(sealed, context="bench")
        per_unseal = (time.perf_counter() - started) / (n // 10)

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"

    print(f"processes decrypting: {args.processes}; rounds: {args.rounds}")
    print(f"vault_panic command start -> last process refusing: {ms(by_command)}")
    print(f"scripts/vault-panic start -> last process refusing: {ms(by_script)}")
    print(f"marker written -> last process refusing: {ms(by_marker)}")
    worst = max(after_marker) * 1000
    print(f"last successful decrypt of any process after the marker: {worst:+.1f} ms (<= 0: none)")
    print(
        f"panic check per key use: {per_check * 1e6:.2f} us; one unseal: {per_unseal * 1e6:.1f} us"
    )


if __name__ == "__main__":
    main()

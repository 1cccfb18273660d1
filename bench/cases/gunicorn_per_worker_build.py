"""The deployment's gunicorn configuration as it was before the screening
server (commit 3db0a8b): each worker starts building its own screening
index in a background thread at boot. For `bench/cases/run.py
--first-minute` only, to measure the old behaviour beside the new in one
run. Never deployed."""

from pathlib import Path

_deployed = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
exec(compile(_deployed.read_text(encoding="utf-8"), str(_deployed), "exec"))  # noqa: S102


def post_worker_init(worker):
    from safepassage.cases.screening.index import screening_index_warm
    from safepassage.vault import keyring

    if keyring.is_unlocked():
        screening_index_warm()

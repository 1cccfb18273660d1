"""gunicorn for SafePassage: the master unlocks the key ring, workers inherit it.

    gunicorn -c deploy/gunicorn.conf.py config.wsgi

The passphrase comes from SAFEPASSAGE_PASSPHRASE_FILE or systemd's
credential; failing both, the master asks on its terminal (no echo).
Unlocking once in the master means one Argon2id derivation, not one per
worker, and the keys reach workers by fork, never through a file.
"""

import getpass
import os
import sys

bind = os.environ.get("SAFEPASSAGE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SAFEPASSAGE_WORKERS", "2"))
# Threads per worker: with more than one, gthread workers keep connections
# alive (Telegram reuses them) and the webhook spool shares its fsyncs.
threads = int(os.environ.get("SAFEPASSAGE_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
preload_app = True
# No request line logging: paths can carry case codes. Should an operator
# turn the access log on (`--access-logfile`), the format still leaves out
# the query string, the full request line (%(r)s holds the query), the
# referrer, the user agent and the address: a query string is where a
# GET form puts a name or a phone number (every search is a POST now,
# and tests/test_search_logs.py holds both to it).
accesslog = None
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)s'
errorlog = "-"
limit_request_line = 4094
limit_request_fields = 60
timeout = 30


def when_ready(server):
    from safepassage.vault import keyring
    from safepassage.vault.exceptions import KeyRingError

    if keyring.try_unlock_from_environment():
        server.log.info("vault: unlocked from the handed-over passphrase")
        return
    if keyring.last_error():
        server.log.error("vault: %s", keyring.last_error())
    if sys.stdin and sys.stdin.isatty():
        try:
            keyring.unlock(getpass.getpass("SafePassage key ring passphrase: "))
            server.log.info("vault: unlocked")
            return
        except KeyRingError as exc:
            server.log.error("vault: %s", exc)
    server.log.warning("vault: locked; every page will say so until restarted with the passphrase")


# No screening index is built here: `manage.py screening_server`
# (safepassage-screening.service) holds the machine's one index and the
# workers ask it over SAFEPASSAGE_SCREENING_SOCKET. The per-worker build
# that `post_worker_init` used to start decrypted every person in every
# worker and competed with requests for minutes after each start.

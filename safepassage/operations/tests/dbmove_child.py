"""A unit's laptop to be moved: a plain SQLite instance under the test
session's key ring (copied in), migrated, with three cases, each a person
with a photo and a phone. Run by test_db_move.py in its own process (the
test process's database is the PostgreSQL target):

    python dbmove_child.py seed KEYRING_FILE

Prints, on its last line, JSON: the database file, the media directory,
the handler's username and the cases' codes.

    python dbmove_child.py move KEYRING_FILE [db_move arguments]

runs `manage.py db_move` into DATABASE_URL under the same key ring (the
move that test_db_move.py kills in the middle).
"""
# ruff: noqa: T201

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
if sys.argv[1] == "seed":
    os.environ.pop("DATABASE_URL", None)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command, execute_from_command_line  # noqa: E402
from django.db import connection  # noqa: E402

from conftest import TEST_PASSPHRASE  # noqa: E402
from safepassage.vault import keyring  # noqa: E402


def main() -> None:
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    shutil.copy(sys.argv[2], settings.VAULT_KEYRING_PATH)
    keyring.unlock(TEST_PASSPHRASE)
    if sys.argv[1] == "move":
        try:
            execute_from_command_line(["manage.py", "db_move", *sys.argv[3:]])
        finally:
            shutil.rmtree(settings.VAR_DIR, ignore_errors=True)
        return
    if connection.vendor != "sqlite":
        raise SystemExit("the laptop must be SQLite")
    call_command("migrate", verbosity=0)

    from safepassage.operations.tests.conftest import seed_drill

    world: dict[str, Any] = seed_drill()
    connection.close()
    print(
        json.dumps(
            {
                "db": str(connection.settings_dict["NAME"]),
                "media": str(settings.VAULT_MEDIA_ROOT),
                "handler": world["handler"].username,
                "codes": [c.code for c in world["cases"]],
            }
        )
    )


if __name__ == "__main__":
    main()

"""A throw-away instance on SQLCipher: migrate, one case with a person, a
backup restored over it. Run by test_sqlcipher.py in its own process (the
suite's database is plain SQLite):

    SAFEPASSAGE_DB_ENGINE=sqlcipher python sqlcipher_child.py WORKDIR

Prints the database file's path and the case's code on the last line.
"""
# ruff: noqa: T201

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

import pyrage  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from safepassage.vault import keyring  # noqa: E402

PASSPHRASE = "sqlcipher child passphrase"


def main() -> None:
    work = Path(sys.argv[1])
    assert connection.settings_dict["ENGINE"] == "safepassage.vault.sqlcipher"
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    keyring.keyring_create(PASSPHRASE)
    keyring.unlock(PASSPHRASE)
    call_command("migrate", verbosity=0)

    from safepassage.accounts.tests.factories import UnitFactory
    from safepassage.cases.tests.factories import case_create, person_create

    case = case_create(unit=UnitFactory(name="Cipher unit"), summary="cipher drill")
    person_create(case, name_latin="Maung Cipher Drill")

    identity = pyrage.x25519.Identity.generate()
    (work / "hq.key").write_text(str(identity) + "\n")
    backup = work / "cipher.spbackup"
    call_command("backup_create", output=str(backup), recipient=[str(identity.to_public())])
    call_command("backup_restore", str(backup), identity=[str(work / "hq.key")], force=True)
    connection.close()
    db = Path(connection.settings_dict["NAME"])
    shutil.copy(db, work / "copied.sqlite3")
    print(db, case.code)


if __name__ == "__main__":
    main()

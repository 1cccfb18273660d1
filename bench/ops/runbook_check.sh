#!/bin/sh
# Run the runbook's commands (docs/operations.md) in order on a throw-away
# instance, as an operator would, and stop at the first that fails:
#   install (key ring, migrate) -> unlock status -> escrow -> backup, verify,
#   restore into a new instance -> panic -> recovery through escrow ->
#   rotating keys -> the move of the laptop to PostgreSQL (when
#   RUNBOOK_PG_URL names a PostgreSQL server whose database may be created).
#
#   bench/ops/runbook_check.sh            # from the checkout
#   RUNBOOK_PG_URL=postgres://postgres@127.0.0.1:5432 bench/ops/runbook_check.sh
set -eu
cd "$(dirname "$0")/../.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
M() { .venv/bin/python manage.py "$@"; }
step() { printf '\n== %s\n' "$*"; }
export DJANGO_SETTINGS_MODULE=config.settings.local SAFEPASSAGE_VAR_DIR="$T/laptop"
unset DATABASE_URL SAFEPASSAGE_PASSPHRASE_FILE 2>/dev/null || true
mkdir -p "$T/laptop" "$T/hq" "$T/shares"
printf 'runbook check passphrase one\n' > "$T/pass"
printf 'runbook check passphrase two\n' > "$T/pass2"

step "1. install: vault_init, migrate, escrow"
M vault_init --passphrase-file "$T/pass"
SAFEPASSAGE_PASSPHRASE_FILE="$T/pass" M migrate -v0
M vault_escrow --threshold 3 --shares 5 --shares-dir "$T/shares" --passphrase-file "$T/pass" | tail -3
step "2. unlock after a reboot: vault_status --check"
M vault_status --check --passphrase-file "$T/pass"
SAFEPASSAGE_PASSPHRASE_FILE="$T/pass" M seed_demo >/dev/null
step "3. backup: headquarters' key pair, backup_create, backup_verify"
.venv/bin/python -c "import pyrage; i = pyrage.x25519.Identity.generate(); print(i); print(i.to_public())" > "$T/hq/pair"
head -1 "$T/hq/pair" > "$T/hq/hq.key"; RECIPIENT=$(tail -1 "$T/hq/pair")
M backup_create --output "$T/unit.spbackup" --recipient "$RECIPIENT" --passphrase-file "$T/pass" | tail -2
SIGNER=$(sed -n 2p "$T/unit.spbackup" | .venv/bin/python -c "import json,sys; print(json.load(sys.stdin)['signer'])")
M backup_verify "$T/unit.spbackup" --signer "$SIGNER"
step "3. restore into a new instance (no key ring there yet)"
SAFEPASSAGE_VAR_DIR="$T/restored" M backup_restore "$T/unit.spbackup" --identity "$T/hq/hq.key" \
    --signer "$SIGNER" --passphrase-file "$T/pass"
step "6. panic, then the key ring is gone and nothing opens"
M vault_panic --yes
if M vault_status --check --passphrase-file "$T/pass"; then echo "UNEXPECTED: unlocked after panic"; exit 1; fi
step "5. recovery through escrow with 3 of 5 shares"
M vault_recover --escrow-file "$T/laptop/escrow.json" --share-file "$T/shares/share-1.txt" \
    --share-file "$T/shares/share-3.txt" --share-file "$T/shares/share-5.txt" \
    --new-passphrase-file "$T/pass2"
M vault_panic --clear
M vault_status --check --passphrase-file "$T/pass2"
M audit_verify --passphrase-file "$T/pass2"
step "4. rotating keys, then escrow again"
M rotate_keys --passphrase-file "$T/pass2" | tail -2
M vault_escrow --threshold 3 --shares 5 --shares-dir "$T/shares2" --passphrase-file "$T/pass2" | tail -1
if [ -n "${RUNBOOK_PG_URL:-}" ]; then
    step "7. moving the laptop to PostgreSQL"
    DB=safepassage_runbook_$$
    psql "$RUNBOOK_PG_URL/postgres" -qc "CREATE DATABASE $DB"
    trap 'psql "$RUNBOOK_PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB"; rm -rf "$T"' EXIT
    # the files carried to headquarters; its server gets the unit's key ring
    mkdir -m 0700 "$T/move" "$T/hq-server"
    mkdir -p "$T/laptop/vault-media"   # none yet when no photo was stored
    cp -r "$T/laptop/safepassage.sqlite3" "$T/laptop/vault-media" "$T/move/"
    install -m 0600 "$T/laptop/keyring.json" "$T/laptop/escrow.json" "$T/hq-server/"
    export SAFEPASSAGE_VAR_DIR="$T/hq-server" DATABASE_URL="$RUNBOOK_PG_URL/$DB"
    SAFEPASSAGE_PASSPHRASE_FILE="$T/pass2" M migrate -v0
    M db_move --source "$T/move/safepassage.sqlite3" --source-media "$T/move/vault-media" \
        --passphrase-file "$T/pass2"
    M audit_verify --passphrase-file "$T/pass2"
fi
printf '\nRUNBOOK CHECK PASSED\n'

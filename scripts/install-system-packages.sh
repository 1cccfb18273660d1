#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages SafePassage needs, only those missing.
#   libicu-dev pkg-config  build PyICU (Zawgyi conversion)
#   gettext                compile the Burmese translation catalogue
#   chromium               browser tests (Playwright drives it by path)
#   sqlite3                inspect the database (canary tests, runbooks)
#   postgresql-client      pg_dump/pg_restore for backup_create/backup_restore on
#                          PostgreSQL (only when pg_dump is missing: a server
#                          install already brings its own version)
#   wrk                    load generator, only with SAFEPASSAGE_BENCH=1 (make bench)
set -euo pipefail
packages=(libicu-dev pkg-config gettext sqlite3 chromium)
if [ "${SAFEPASSAGE_SKIP_BROWSER:-0}" = "1" ]; then
  packages=(libicu-dev pkg-config gettext sqlite3)
fi
if ! command -v pg_dump >/dev/null 2>&1; then
  packages+=(postgresql-client)
fi
if [ "${SAFEPASSAGE_BENCH:-0}" = "1" ]; then
  packages+=(wrk)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "Need root to install: ${missing[*]}. Install them and run again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/bin/sh
# Boot the product's systemd units for real, under systemd 252 as PID 1 of
# its own namespaces (mount, pid, uts, ipc, net) on a copy-on-write overlay
# of this machine's root: nothing it writes reaches the real disk, its
# network is its own loopback, and it ends when this script ends.
#
#   sudo bench/ops/boot_units.sh            # from the checkout; needs root
#
# Inside: a `safepassage` user, /srv/safepassage -> this checkout,
# /etc/safepassage/production.env (production settings on SQLite under
# /var/lib/safepassage), the passphrase sealed with `systemd-creds
# encrypt` (host key: no TPM here) into /etc/credstore.encrypted, the key
# ring made and the database migrated as that user, deploy/systemd/*
# installed unchanged. Then systemd boots a target that wants the web
# server, the worker and the backup timer, and this script checks:
# each is active, gunicorn answers HTTP on 127.0.0.1:8000 (the sign-in
# page), the backup timer is scheduled, and one run of the backup
# service writes a *.spbackup. Exit 0 when every check passes.
set -eu
CHECKOUT=$(cd "$(dirname "$0")/../.." && pwd -P)
WORK=${SP_BOOT_DIR:-/tmp/safepassage-boot.$$}

if [ "${1:-}" = "--inner" ]; then
    mount --make-rprivate /
    mkdir -p "$WORK/t"
    mount -t tmpfs tmpfs "$WORK/t"
    mkdir -p "$WORK/t/upper" "$WORK/t/work" "$WORK/t/root"
    mount -t overlay overlay \
        -o "lowerdir=/,upperdir=$WORK/t/upper,workdir=$WORK/t/work" "$WORK/t/root"
    R=$WORK/t/root
    mount -t proc proc "$R/proc"
    mount --rbind /dev "$R/dev"
    mount --rbind /sys "$R/sys"
    mount -t tmpfs tmpfs "$R/run"
    mount -t tmpfs tmpfs "$R/tmp"
    # the checkout and the virtualenv it links to (read-only for the units)
    mkdir -p "$R/work"
    mount --rbind /work "$R/work"
    ip link set lo up

    chroot "$R" sh -eu <<INNER
id safepassage >/dev/null 2>&1 || useradd --system --home-dir /var/lib/safepassage --shell /usr/sbin/nologin safepassage
ln -sfn "$CHECKOUT" /srv/safepassage
install -d -o safepassage -g safepassage -m 0700 /var/lib/safepassage /var/backups/safepassage
install -d -m 0755 /etc/safepassage /etc/credstore.encrypted
cd /srv/safepassage
PYROOT=\$(dirname "\$(dirname "\$(readlink -f .venv/bin/python)")")
case "\$PYROOT" in /root/*) chmod 0711 /root ;; esac
RECIPIENT=\$(.venv/bin/python -c "import pyrage; i = pyrage.x25519.Identity.generate(); print(i.to_public())")
SECRET=\$(.venv/bin/python -c "import secrets; print(secrets.token_urlsafe(60))")
cat > /etc/safepassage/production.env <<ENV
DJANGO_SETTINGS_MODULE=config.settings.production
DJANGO_SECRET_KEY=\$SECRET
DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
SAFEPASSAGE_VAR_DIR=/var/lib/safepassage
SAFEPASSAGE_WEBAUTHN_RP_ID=localhost
SAFEPASSAGE_WEBAUTHN_ORIGINS=https://localhost
SAFEPASSAGE_BACKUP_RECIPIENTS=\$RECIPIENT
SAFEPASSAGE_PANIC_CONTROL=0
ENV
chmod 0640 /etc/safepassage/production.env
chgrp safepassage /etc/safepassage/production.env
PP=/run/sp-passphrase
head -c 24 /dev/urandom | base64 > \$PP
chmod 0400 \$PP; chown safepassage \$PP
systemd-creds encrypt --name=safepassage-passphrase \$PP /etc/credstore.encrypted/safepassage-passphrase
set -a; . /etc/safepassage/production.env; set +a
runuser -u safepassage -- env PYTHONDONTWRITEBYTECODE=1 .venv/bin/python manage.py vault_init --passphrase-file \$PP
runuser -u safepassage -- env PYTHONDONTWRITEBYTECODE=1 SAFEPASSAGE_PASSPHRASE_FILE=\$PP .venv/bin/python manage.py migrate -v0
rm -f \$PP
cp deploy/systemd/* /etc/systemd/system/
# This development machine's Python lives under /root (a pyenv build the
# virtualenv links to), which ProtectHome=yes hides; a production machine
# uses Debian's /usr/bin/python3. The one deviation from the shipped units:
for unit in safepassage-web safepassage-worker safepassage-backup; do
    mkdir -p /etc/systemd/system/\$unit.service.d
    printf '[Service]\\nProtectHome=tmpfs\\nBindReadOnlyPaths=%s\\n' "\$PYROOT" \\
        > /etc/systemd/system/\$unit.service.d/dev-python.conf
done
cat > /etc/systemd/system/safepassage-boot.target <<UNIT
[Unit]
Description=SafePassage boot check
Wants=safepassage-web.service safepassage-worker.service safepassage-backup.timer
UNIT
INNER
    exec chroot "$R" /usr/bin/env container=safepassage-boot \
        /lib/systemd/systemd --system --unit=safepassage-boot.target
fi

[ "$(id -u)" = 0 ] || { echo "needs root (namespaces, mounts)" >&2; exit 2; }
mkdir -p "$WORK"
SP_BOOT_DIR="$WORK" unshare --mount --pid --fork --uts --ipc --net --kill-child \
    "$0" --inner >"$WORK/boot.log" 2>&1 &
OUTER=$!
# Killing the namespace's PID 1 ends every process in it (the units too).
PID1=""
cleanup() {
    if [ -n "$PID1" ]; then kill -9 "$PID1" 2>/dev/null || true; fi
    kill "$OUTER" 2>/dev/null || true
    wait "$OUTER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# PID 1 of the new namespace: the systemd started above.
for _ in $(seq 1 300); do
    for child in $(pgrep -P "$OUTER" 2>/dev/null || true); do
        if [ "$(cat /proc/"$child"/comm 2>/dev/null)" = systemd ]; then PID1=$child; fi
    done
    [ -n "$PID1" ] && break
    kill -0 "$OUTER" 2>/dev/null || { echo "setup failed:"; tail -30 "$WORK/boot.log"; exit 1; }
    sleep 1
done
[ -n "$PID1" ] || { echo "systemd did not start"; tail -30 "$WORK/boot.log"; exit 1; }
in_ns() { nsenter -t "$PID1" -a --root="/proc/$PID1/root" --wd=/ "$@"; }

echo "systemd $(in_ns systemctl --version | head -1 | cut -d' ' -f2) is PID 1 of the namespace (host pid $PID1)"
state=""
for _ in $(seq 1 120); do
    state=$(in_ns systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) break ;; esac
    sleep 1
done
echo "system state: $state"
fail=0
for unit in safepassage-web.service safepassage-worker.service safepassage-backup.timer; do
    s=$(in_ns systemctl is-active "$unit" || true)
    echo "$unit: $s"
    [ "$s" = active ] || { fail=1; in_ns systemctl status "$unit" --no-pager -n 20 || true; }
done
code=""
for _ in $(seq 1 60); do
    code=$(in_ns curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-Proto: https' \
        http://127.0.0.1:8000/accounts/login/ || true)
    [ "$code" = 200 ] && break
    sleep 1
done
echo "GET /accounts/login/ through gunicorn: HTTP $code"
if [ "$code" != 200 ]; then
    fail=1
    in_ns journalctl -u safepassage-web --no-pager -n 5 || true
    # what the vault says, in a unit with the web server's credential and user
    in_ns systemd-run --quiet --pipe --wait -p User=safepassage \
        -p EnvironmentFile=/etc/safepassage/production.env \
        -p LoadCredentialEncrypted=safepassage-passphrase:/etc/credstore.encrypted/safepassage-passphrase \
        -p WorkingDirectory=/srv/safepassage -p ProtectHome=tmpfs -p "BindReadOnlyPaths=$(dirname "$(dirname "$(readlink -f "$CHECKOUT/.venv/bin/python")")")" /srv/safepassage/.venv/bin/python manage.py vault_status || true
fi
in_ns systemctl list-timers safepassage-backup.timer --no-pager | head -2
in_ns systemctl start safepassage-backup.service || fail=1
made=$(in_ns sh -c 'ls /var/backups/safepassage/*.spbackup 2>/dev/null | wc -l')
echo "safepassage-backup.service: $(in_ns systemctl show -p Result --value safepassage-backup.service), $made backup file(s)"
[ "$made" -ge 1 ] || { fail=1; in_ns journalctl -u safepassage-backup --no-pager -n 30 || true; }
worker_log=$(in_ns journalctl -u safepassage-worker --no-pager -n 5 -o cat || true)
echo "worker journal (last lines):"; echo "$worker_log" | sed 's/^/  /'
[ "$fail" = 0 ] && echo "BOOT CHECK PASSED" || echo "BOOT CHECK FAILED"
exit "$fail"

"""Settings shared by every environment.

Secrets and addresses come from the environment; `production.py` only
turns security up. Nothing here reads another setting at import time of
an app module.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


# Where the product keeps its state on this machine: database, key ring,
# encrypted media. One directory so that an operator can put it on an
# encrypted volume and back it up as one.
VAR_DIR = Path(env("SAFEPASSAGE_VAR_DIR", str(BASE_DIR / "var")) or "var")

SECRET_KEY = env("DJANGO_SECRET_KEY", "") or ""
DEBUG = False
ALLOWED_HOSTS = [h for h in (env("DJANGO_ALLOWED_HOSTS", "") or "").split(",") if h]

INSTALLED_APPS = [
    # django.contrib.admin, bound to the admin site that needs a verified
    # administrator (safepassage.accounts.admin_site).
    "safepassage.accounts.admin_apps.SafePassageAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp_webauthn",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "safepassage.core",
    "safepassage.vault",
    "safepassage.audit",
    "safepassage.language",
    "safepassage.geo",
    "safepassage.accounts",
    "safepassage.cases",
    "safepassage.forces",
    "safepassage.screening",
    "safepassage.watchlists",
    "safepassage.ledger",
    "safepassage.receipts",
    "safepassage.intake",
    "safepassage.operations",
    "safepassage.protection",
    "safepassage.reintegration",
    "safepassage.armoury",
    "safepassage.crossing",
    "safepassage.reports",
    "safepassage.grievances",
    "safepassage.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "safepassage.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything that may need keys (session guards audit; views decrypt).
    "safepassage.vault.middleware.VaultLockedMiddleware",
    # A database outage in a view: 503 and a page saying so, not a 500.
    "safepassage.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safepassage.accounts.middleware.AccessCacheMiddleware",
    "safepassage.accounts.middleware.SessionGuardMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "safepassage.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "safepassage.cases.context_processors.cases",
                "safepassage.watchlists.context_processors.watchlists",
                "safepassage.intake.context_processors.intake",
                "safepassage.audit.context_processors.integrity",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# SQLite (one laptop, zero set-up) unless DATABASE_URL names PostgreSQL.
# The pragmas are deliberate:
#   journal_mode=WAL    readers never block the writer;
#   synchronous=FULL    a committed transaction survives power loss (an
#                       accepted contact or an audit event is never lost);
#   secure_delete=ON    freed pages are zeroed, so a shredded key does not
#                       linger in the file's free list;
#   foreign_keys=ON     the schema's references are enforced;
#   busy_timeout=5000   writers queue for 5 s instead of failing at once;
#   temp_store=MEMORY   sort and temp tables never touch the disk.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "PRAGMA secure_delete=ON;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA busy_timeout=5000;"
    "PRAGMA temp_store=MEMORY;"
)


def database_from_env(sqlite_path: Path) -> dict[str, object]:
    url = env("DATABASE_URL")
    if url:
        # Health checks: a kept connection that a PostgreSQL restart broke is
        # replaced before a request uses it (docs/operations.md, Faults survived).
        config: dict[str, object] = dict(
            dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        )
        config.setdefault("OPTIONS", {})
        return config
    # SAFEPASSAGE_DB_ENGINE=sqlcipher: the whole file encrypted (field
    # laptops; docs/operations.md, "The field laptop's database file").
    engine = (
        "safepassage.vault.sqlcipher"
        if (env("SAFEPASSAGE_DB_ENGINE", "sqlite") or "").lower() == "sqlcipher"
        else "django.db.backends.sqlite3"
    )
    return {
        "ENGINE": engine,
        "NAME": str(sqlite_path),
        "OPTIONS": {
            "init_command": SQLITE_PRAGMAS,
            "transaction_mode": "IMMEDIATE",
        },
    }


DATABASES = {"default": database_from_env(VAR_DIR / "safepassage.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and authentication --------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "safepassage.accounts.hashers.SafePassageArgon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: short and idle-bounded. The idle timeout is enforced by
# SessionGuardMiddleware; the cookie itself dies with the browser.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# With SAFEPASSAGE_SESSION_REDIS_URL (a Redis on loopback that this
# deployment alone uses, e.g. redis://127.0.0.1:6379/1) sessions are read
# from Redis and written through to the database (`cached_db`): one query
# fewer per request, and a Redis restart loses nothing. Sessions hold ids,
# time stamps, role names and a device id, nothing personal. Every process
# must see the same store: a per-process (local-memory) cache would let a
# session signed out in one worker live on in another, so without Redis
# the database alone holds them.
SESSION_REDIS_URL = env("SAFEPASSAGE_SESSION_REDIS_URL")
if SESSION_REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "sessions": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": SESSION_REDIS_URL,
            "KEY_PREFIX": "safepassage",
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    SESSION_CACHE_ALIAS = "sessions"
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SAFEPASSAGE_IDLE_TIMEOUT", 15 * 60)
# New backup codes, a new authenticator or a new passkey need the password
# typed in this session within this many seconds (accounts:confirm_password).
REAUTH_WINDOW_SECONDS = env_int("SAFEPASSAGE_REAUTH_WINDOW", 5 * 60)
# Raw channel updates are destroyed after this many days (manage.py intake_purge).
INTAKE_RAW_RETENTION_DAYS = env_int("SAFEPASSAGE_INTAKE_RAW_RETENTION_DAYS", 30)
# Words that, written by a contact, silently flag it (someone may be reading
# over the person's shoulder): comma-separated, matched as whole words.
INTAKE_DURESS_WORDS = [
    w.strip() for w in os.environ.get("SAFEPASSAGE_INTAKE_DURESS_WORDS", "").split(",") if w.strip()
]
# Telegram chats are cleared of the conversation this many hours after its
# last message (the Bot API deletes messages up to 48 hours old); 0: never.
INTAKE_CHAT_ERASE_AFTER_HOURS = env_int("SAFEPASSAGE_INTAKE_CHAT_ERASE_AFTER_HOURS", 24)
# The person's own messages leave their Telegram chat once an operator has read them.
# Telegram deliveries are kept in an fsynced spool file per server process
# and moved into the database in the background (safepassage/intake/spool.py).
INTAKE_WEBHOOK_SPOOL = env_bool("SAFEPASSAGE_INTAKE_WEBHOOK_SPOOL", True)
INTAKE_CHAT_ERASE_AFTER_READ = env_bool("SAFEPASSAGE_INTAKE_CHAT_ERASE_AFTER_READ", True)
# The web form's flood limits (docs/intake.md, "Floods"), a minute each:
# forms from one source (an IPv4 address or IPv6 /64; Tor users share
# exits: keep it generous); a source's first forms, which pass ahead of the
# shared budget up to a ceiling that bounds the server's work; the shared
# budget of new conversations for the rest; messages a conversation
# receives from the web (a minute, a day); and the seconds a form must
# have been open before it is accepted.
INTAKE_WEB_PER_ADDRESS_PER_MINUTE = env_int("SAFEPASSAGE_INTAKE_WEB_PER_ADDRESS_PER_MINUTE", 10)
INTAKE_WEB_FIRST_PER_SOURCE = env_int("SAFEPASSAGE_INTAKE_WEB_FIRST_PER_SOURCE", 1)
INTAKE_WEB_CEILING_PER_MINUTE = env_int("SAFEPASSAGE_INTAKE_WEB_CEILING_PER_MINUTE", 60)
INTAKE_WEB_NEW_PER_MINUTE = env_int("SAFEPASSAGE_INTAKE_WEB_NEW_PER_MINUTE", 30)
INTAKE_WEB_MESSAGES_PER_MINUTE = env_int("SAFEPASSAGE_INTAKE_WEB_MESSAGES_PER_MINUTE", 6)
INTAKE_WEB_MESSAGES_PER_DAY = env_int("SAFEPASSAGE_INTAKE_WEB_MESSAGES_PER_DAY", 100)
INTAKE_WEB_MIN_FORM_SECONDS = env_int("SAFEPASSAGE_INTAKE_WEB_MIN_FORM_SECONDS", 3)
# Behind a reverse proxy: the request header (as in request.META, e.g.
# HTTP_X_REAL_IP) that carries the client's address. Without it the
# per-address budget counts the proxy, i.e. everyone together.
# --- The crossing (docs/crossing.md) -----------------------------------------
# Longest time window a plan may give; after its end plus the grace an
# active plan is overdue (an alert, one check-in to the person); an alert
# nobody acknowledged goes to headquarters after the escalation time.
CROSSING_WINDOW_MAX_HOURS = env_int("SAFEPASSAGE_CROSSING_WINDOW_MAX_HOURS", 12)
CROSSING_GRACE_MINUTES = env_int("SAFEPASSAGE_CROSSING_GRACE_MINUTES", 30)
CROSSING_ESCALATE_MINUTES = env_int("SAFEPASSAGE_CROSSING_ESCALATE_MINUTES", 15)

INTAKE_WEB_CLIENT_HEADER = os.environ.get("SAFEPASSAGE_INTAKE_WEB_CLIENT_HEADER", "")
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_FAILURE_VIEW = "safepassage.core.views.csrf_failure"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Strict"

# django-axes (see safepassage/accounts/lockout.py). Failures of the
# password and of the second factor are counted per username from any
# address (AXES_FAILURE_LIMIT) and per address for any username (a higher
# limit, because staff at headquarters share one address). Locking the
# username from anywhere lets someone who knows a username keep it locked
# for the cool-off time; the alternative (username+address) gives an
# attacker with many addresses (Tor) unlimited guesses, which is worse
# here. An administrator unlocks with `manage.py axes_reset_username`.
# The counts are cleared only after a successful second factor. Every
# failure and the lock-out show the same page with the same status.
AXES_FAILURE_LIMIT = env_int("SAFEPASSAGE_LOCKOUT_FAILURES", 5)
SAFEPASSAGE_LOCKOUT_IP_FAILURES = env_int("SAFEPASSAGE_LOCKOUT_IP_FAILURES", 30)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "safepassage.accounts.lockout.TieredLimitDatabaseHandler"
AXES_RESET_ON_SUCCESS = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "safepassage.accounts.views.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "password", "otp_token"]
AXES_CLIENT_IP_CALLABLE = "safepassage.accounts.lockout.client_ip_address"
# Reverse proxies in front of the product that append to X-Forwarded-For
# (0: REMOTE_ADDR is the client). Wrong here means the address limit
# counts the proxy, or trusts a forged header.
SAFEPASSAGE_TRUSTED_PROXY_COUNT = env_int("SAFEPASSAGE_TRUSTED_PROXY_COUNT", 0)

# Shown in the authenticator app on the phone; a deployment may choose a
# name that does not reveal the programme if the phone is seized.
OTP_TOTP_ISSUER = env("SAFEPASSAGE_TOTP_ISSUER", "SafePassage")
# Passkeys are a second factor only: the password is always needed.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = "SafePassage"
OTP_WEBAUTHN_RP_ID = env("SAFEPASSAGE_WEBAUTHN_RP_ID", "localhost")
OTP_WEBAUTHN_ALLOWED_ORIGINS = [
    o for o in (env("SAFEPASSAGE_WEBAUTHN_ORIGINS", "http://localhost:8000") or "").split(",") if o
]

# --- Security headers -------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
# Not "no-referrer": with it, browsers send "Origin: null" on same-site form
# posts and Django's CSRF origin check refuses every sign-in (docs/adr/0004).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("my", _("Burmese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Yangon"
USE_I18N = True
USE_TZ = True

# --- Uploads ------------------------------------------------------------------
# Uploaded files stay in memory until the vault encrypts them: Django's
# temporary-file handler would write a person's photo to /tmp in clear. A
# request larger than FILE_UPLOAD_MAX_MEMORY_SIZE keeps its form fields
# and loses its files, which the form then reports as too large.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Encrypted files live here; nothing in it is readable without the vault.
VAULT_MEDIA_ROOT = VAR_DIR / "vault-media"

# --- Vault ------------------------------------------------------------------
# The key ring file: root key wrapped by Argon2id(passphrase). The
# passphrase comes from SAFEPASSAGE_PASSPHRASE_FILE (a credential handed
# over by the service manager) or from the unlock page.
VAULT_KEYRING_PATH = Path(
    env("SAFEPASSAGE_KEYRING", str(VAR_DIR / "keyring.json")) or "keyring.json"
)
# A file whose presence means "panic": every process refuses to use a key
# (safepassage/vault/keyring.py). None: `vault-panic` beside the key ring.
VAULT_PANIC_MARKER = env("SAFEPASSAGE_PANIC_MARKER") or None
# Under systemd, LoadCredential=safepassage-passphrase:... is found in
# $CREDENTIALS_DIRECTORY without naming it here.
VAULT_PASSPHRASE_FILE = env("SAFEPASSAGE_PASSPHRASE_FILE") or None
# Argon2id cost for unwrapping the root key. See docs/security.md.
VAULT_ARGON2_TIME_COST = 3
VAULT_ARGON2_MEMORY_KIB = 256 * 1024
VAULT_ARGON2_PARALLELISM = 2

# --- Backups (safepassage/operations, docs/operations.md) ---------------------
# Headquarters' age public keys (age1...), comma-separated: backups are
# encrypted to them only; this machine cannot read its own backups.
BACKUP_RECIPIENTS = [
    r.strip() for r in (env("SAFEPASSAGE_BACKUP_RECIPIENTS", "") or "").split(",") if r.strip()
]

# The panic control in the product (operations:panic) for administrators.
# Turn it off on a headquarters server, where one unit's administrator must
# not destroy the key ring that every unit's data needs: `vault_panic` stays.
PANIC_CONTROL_ENABLED = env_bool("SAFEPASSAGE_PANIC_CONTROL", True)

# --- Screening index ---------------------------------------------------------
# The Unix socket of `manage.py screening_server`, which holds this machine's
# one index of every registered person (docs/screening.md). Empty: each
# process builds its own when first asked (development, tests, `make demo`).
SCREENING_SOCKET = env("SAFEPASSAGE_SCREENING_SOCKET", "") or ""

# --- Background tasks -------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.backend.DatabaseBackend",
    }
}

# --- Logging: never personal data ------------------------------------------
# Request bodies, query strings and template contexts are not logged.
# Exception reports to the console carry the type and location only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "scrub": {"()": "safepassage.core.logging.ScrubPersonalDataFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["scrub"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # runserver's request lines (`make demo`): through the scrub filter,
        # which cuts the query string, instead of Django's own handler.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.db.backends": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
DEFAULT_EXCEPTION_REPORTER_FILTER = "safepassage.core.logging.NothingPersonalReporterFilter"

"""A developer's or demo machine: DEBUG off by default all the same.

DEBUG pages show local variables, which can be personal data; turn it on
with DJANGO_DEBUG=1 only with invented data.
"""

from .base import *  # noqa: F403
from .base import VAR_DIR, env, env_bool

DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


def _local_secret_key() -> str:
    """A per-checkout secret kept in var/, made on first use."""
    import secrets

    path = VAR_DIR / "django-secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("DJANGO_SECRET_KEY") or _local_secret_key()

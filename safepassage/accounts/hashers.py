from django.contrib.auth.hashers import Argon2PasswordHasher


class SafePassageArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with explicit parameters (see docs/security.md)."""

    algorithm = "argon2"
    time_cost = 3
    memory_cost = 64 * 1024  # KiB
    parallelism = 2

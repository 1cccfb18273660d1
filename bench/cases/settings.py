"""Settings for the case-page benchmark: the local settings, plus one
naive list view for comparison (bench/cases/naive.py). Never deployed."""

from config.settings.local import *  # noqa: F403

ROOT_URLCONF = "bench.cases.urls"
DEBUG = False
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405 (the in-process client)

"""Settings for the webhook benchmark: the local settings, plus a naive
webhook for comparison (bench/intake/naive.py). Never deployed."""

from config.settings.local import *  # noqa: F403

ROOT_URLCONF = "bench.intake.urls"
DEBUG = False

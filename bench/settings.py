"""The benchmark's gunicorn: the application's own settings, with bench/urls.py as the URLconf so the
same server also answers the floor view. The product never loads this module."""

from courtreform.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

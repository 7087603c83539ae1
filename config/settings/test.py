"""Test runs: real PostgreSQL and Redis (from the environment or the embedded services), fast hashing."""

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = False
# Test workers consume their own queue, so a development worker on the same Redis never takes test tasks.
CELERY_TASK_DEFAULT_QUEUE = f"test-{os.getpid()}"
LOGIN_FAILURE_LIMIT = 5

# Static files are served from the app folders (no collectstatic) outside production.
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True

# A test database per test process, so parallel runs on one server do not trip over each other.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}  # noqa: F405

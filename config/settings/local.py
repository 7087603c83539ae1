"""One machine (make run): served as in production (DEBUG off unless DJANGO_DEBUG=1), a fixed development key
unless one is given, static files from the app folders through whitenoise (no collectstatic)."""

from .base import *  # noqa: F403

SECRET_KEY = SECRET_KEY or "dev-only-not-secret-pengshui-assistance"  # noqa: F405

STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True

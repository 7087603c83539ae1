"""Development on one machine (make run): debug on, a fixed development key unless one is given."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-pengshui-assistance"  # noqa: F405

# Static files are served from the app folders (no collectstatic) outside production.
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True

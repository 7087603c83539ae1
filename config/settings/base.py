"""Settings shared by every environment. Everything comes from the environment; nothing here starts a service.

With no DATABASE_URL / REDIS_URL in the environment, the URLs published by the embedded-services launcher
(``config.services``, file ``var/services.json``) are used.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config import services

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

_urls = services.resolve_urls()
DATABASE_URL = _urls.database_url
REDIS_URL = _urls.redis_url
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "没有数据库：请设置 DATABASE_URL，或先运行 `make run` / `python -m config.services start` 启动内置服务。"
    )

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
DATABASES["default"].setdefault("OPTIONS", {}).update(
    connect_timeout=5,
    # Define pgtrigger's setting for every session: when it is undefined, each history trigger raises and catches
    # an error per row, which makes bulk writes to tracked tables slow down quadratically.
    options="-c pgtrigger.ignore={}",
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_celery_beat",
    "django_htmx",
    "import_export",
    "pgtrigger",
    "pghistory",
    "core",
    "cases",
    "assistance",
    "payments",
    "eldercare",
    "childcare",
    "oversight",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.EdgeChecks",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "config.middleware.LoginRequiredEverywhere",
    "core.middleware.RefusalPages",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "cases.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
                "cases.context_processors.navigation",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

# Redis serves Celery (broker and results) and the cache used for login throttling.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": services.redis_py_url(REDIS_URL),
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Login throttling: this many failures for one username and address within the window → wait.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_S = int(os.environ.get("LOGIN_FAILURE_WINDOW_S", "900"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "彭水县社会救助业务系统 API",
    "DESCRIPTION": "户籍、申请受理、政策测算、发放与督查接口。所有接口按用户所属乡镇限定范围。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "cases.models.intake.Application.Status",
        "ReferralStatusEnum": "cases.models.intake.Referral.Status",
        # The care apps' choice sets, each named after its model (several share the field names kind/status/way).
        "ElderAlertKindEnum": "eldercare.models.alerts.ElderAlert.Kind",
        "NursingHomeKindEnum": "eldercare.models.homes.NursingHome.Kind",
        "NursingHomeStatusEnum": "eldercare.models.homes.NursingHome.Status",
        "ResidenceKindEnum": "eldercare.models.homes.Residence.Kind",
        "CertificateKindEnum": "eldercare.models.homes.Certificate.Kind",
        "CareFacilityKindEnum": "eldercare.models.people.CareFacility.Kind",
        "CareFacilityStatusEnum": "eldercare.models.people.CareFacility.Status",
        "ElderVisitWayEnum": "eldercare.models.people.VisitWay",
        "HazardStatusEnum": "eldercare.models.safety.Hazard.Status",
        "RiskLevelEnum": "eldercare.models.safety.Risk",
        "RiskAssessmentKindEnum": "eldercare.models.safety.RiskAssessment.Kind",
        "IncidentKindEnum": "eldercare.models.safety.Incident.Kind",
        "RenovationProjectKindEnum": "eldercare.models.safety.RenovationProject.Kind",
        "RenovationProjectStatusEnum": "eldercare.models.safety.RenovationProject.Status",
        "ProjectFileKindEnum": "eldercare.models.safety.ProjectFile.Kind",
        "ChildAlertKindEnum": "childcare.models.alerts.ChildAlert.Kind",
        "LeftBehindChildStatusEnum": "childcare.models.children.LeftBehindChild.Status",
        "GuardianshipCaseStatusEnum": "childcare.models.children.GuardianshipCase.Status",
        "ChildVisitWayEnum": "childcare.models.children.ChildVisit.Way",
        "ChildCaseStatusEnum": "childcare.models.children.ChildCase.Status",
        "ChildCaseStepKindEnum": "childcare.models.children.ChildCaseStep.Kind",
        "ChildCaseStepStatusEnum": "childcare.models.children.ChildCaseStep.Status",
        "FukangServiceKindEnum": "childcare.models.groups.FukangService.Kind",
    },
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True  # admin CSV: a leading "=" is dropped (xlsx: core.exports)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}

# The monthly screening of the whole county (Celery beat): day of the month and hour, local time.
SCREENING_DAY = int(os.environ.get("SCREENING_DAY", "1"))
SCREENING_HOUR = int(os.environ.get("SCREENING_HOUR", "2"))
# The county comparison with the external rolls runs after the screening (its candidates come from it).
COMPARISON_HOUR = int(os.environ.get("COMPARISON_HOUR", "4"))

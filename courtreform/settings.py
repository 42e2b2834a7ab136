"""One settings module, driven by environment variables (each is listed in README.md).

With no DATABASE_URL / REDIS_URL in the environment, the embedded PostgreSQL and Redis that
`scripts/stack.py` starts under ./var/ are used: it writes their addresses to var/stack.env,
which is read here so that `manage.py` works from a plain shell after `make run`.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("COURTREFORM_VAR_DIR", BASE_DIR / "var"))


def _read_stack_env() -> dict[str, str]:
    path = VAR_DIR / "stack.env"
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


_STACK = _read_stack_env()


def env(name: str, default: str = "") -> str:
    return os.environ.get(name) or _STACK.get(name) or default


def envbool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(env(name, str(default)))


DEBUG = envbool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY") or ("insecure-dev-key-only-for-debug" if DEBUG or envbool("DEMO") else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG and DEMO are off")
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",  # the built-in widget templates, for FORM_RENDERER below
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "audit",
    "notifications",
    "issues",
    "measures",
    "reports",
]

MIDDLEWARE = [
    "courtreform.logs.RequestIdMiddleware",  # first: every later log line carries the request id
    "django.middleware.security.SecurityMiddleware",
    "audit.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.middleware.SessionSecurityMiddleware",  # absolute session limit, forced password change, 2FA
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "courtreform.urls"
WSGI_APPLICATION = "courtreform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread",
                "measures.context_processors.calendar_warning",
            ],
        },
    },
]

# Widgets render through the project's templates, so templates/django/forms/ can override one
# (the select, whose per-option include costs ~0.1 ms an option in long review lists).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# PostgreSQL is the only engine. CONN_MAX_AGE keeps connections between requests.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/courtreform"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "audit.validators.CharacterClassesValidator",
     "OPTIONS": {"min_classes": envint("PASSWORD_MIN_CLASSES", 3)}},
    {"NAME": "audit.validators.PasswordHistoryValidator",
     "OPTIONS": {"remember": envint("PASSWORD_HISTORY", 5)}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 30) / 60  # hours
# Per account and per IP, separately; failed API tokens count per IP only (audit.lockout).
AXES_LOCKOUT_PARAMETERS = "audit.lockout.lockout_parameters"
AXES_RESET_ON_SUCCESS = True
# A locked-out user is told when to retry (audit.lockout); further attempts must not move that time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "audit.lockout.lockout_response"
# Behind nginx (TRUSTED_PROXY_COUNT=1) lockouts count the client's address, not the proxy's.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "courtreform.proxy.client_ip"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Front-end packages come from the npm registry (package.json, pinned) and are served from here.
NODE_MODULES_DIR = BASE_DIR / "node_modules"
STATICFILES_DIRS += [
    (f"vendor/{prefix}", NODE_MODULES_DIR / path)
    for prefix, path in [
        ("bootstrap", "bootstrap/dist"),
        ("bootstrap-icons", "bootstrap-icons/font"),
        ("echarts", "echarts/dist"),
    ]
    if (NODE_MODULES_DIR / path).exists()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Evidence lives outside the web root and is only served through a permission-checked view.
MEDIA_ROOT = Path(env("EVIDENCE_ROOT", str(VAR_DIR / "evidence")))
MEDIA_URL = "/evidence-not-served/"
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_MB", 20) * 1024 * 1024
EVIDENCE_MAX_FILES = envint("EVIDENCE_MAX_FILES", 10)
# Behind nginx (deploy/nginx.conf): after the permission check the view answers with an
# X-Accel-Redirect to this internal location and nginx sends the file from EVIDENCE_ROOT.
EVIDENCE_X_ACCEL = envbool("EVIDENCE_X_ACCEL", False)
EVIDENCE_X_ACCEL_PREFIX = env("EVIDENCE_X_ACCEL_PREFIX", "/_protected/evidence/")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Traffic lights: yellow when the current deadline is within this many days.
DUE_SOON_DAYS = envint("DUE_SOON_DAYS", 7)
# Ledger exports up to this many rows are written during the request; larger ones run in the background.
LEDGER_SYNC_MAX_ROWS = envint("LEDGER_SYNC_MAX_ROWS", 3000)

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
# A Redis that accepts connections and never answers must not hang a request.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": 3,
    "socket_connect_timeout": 3,
    "max_retries": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Redis Sentinel: REDIS_URL=sentinel://host1:26379;sentinel://host2:26379;… plus the master's name.
if env("REDIS_SENTINEL_MASTER"):
    CELERY_BROKER_TRANSPORT_OPTIONS["master_name"] = env("REDIS_SENTINEL_MASTER")

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "zhenggaitong@court.local")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "audit.authentication.LockoutApiTokenAuthentication",  # ApiTokenAuthentication + lockout by IP
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "courtreform.api.ApiAutoSchema",
    "EXCEPTION_HANDLER": "courtreform.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "整改通 API",
    "DESCRIPTION": _("Court work-style rectification tracker API"),
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request/response components, so read-only fields and file uploads are described right.
    "COMPONENT_SPLIT_REQUEST": True,
}

SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", 30) * 60
# Activity renews the idle timer: audit.middleware saves the session at most once a minute.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if envbool("HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# LOG_FORMAT=json: one JSON object per line for a log collector; every line has the request id.
LOG_FORMAT = env("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "courtreform.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {"()": "courtreform.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# SMS hook: courts notify by SMS through their own gateway; off unless a URL is set.
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL")
SMS_GATEWAY_TIMEOUT = envint("SMS_GATEWAY_TIMEOUT", 5)

# --- Security (docs/security.md) -------------------------------------------------------------------
DEMO = envbool("DEMO", False)
# Passwords: forced change of initial/reset passwords; expiry after this many days (0 = never).
PASSWORD_EXPIRY_DAYS = envint("PASSWORD_EXPIRY_DAYS", 0)
# Absolute session limit, whatever the activity (the idle limit is SESSION_IDLE_MINUTES).
SESSION_ABSOLUTE_HOURS = envint("SESSION_ABSOLUTE_HOURS", 12)
# TOTP second factor (django-otp): required for the administrator roles and is_staff when on.
OTP_REQUIRED_FOR_ADMINS = envbool("OTP_REQUIRED_FOR_ADMINS", False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "整改通")
# Audit log retention; the database refuses to purge rows younger than 180 days whatever this says.
AUDIT_RETENTION_DAYS = max(envint("AUDIT_RETENTION_DAYS", 180), 180)
# ClamAV: clamd's unix socket (INSTREAM); empty = no scan. A hit refuses the upload and quarantines it.
CLAMAV_SOCKET = env("CLAMAV_SOCKET")
CLAMAV_TIMEOUT = envint("CLAMAV_TIMEOUT", 30)
EVIDENCE_QUARANTINE_ROOT = Path(env("EVIDENCE_QUARANTINE_ROOT", str(VAR_DIR / "quarantine")))
# Content-Security-Policy: everything from our own origin; Swagger UI/ReDoc pages need inline script.
CSP_POLICY = env(
    "CSP_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)
CSP_RELAXED_PATHS = ["/api/docs/", "/api/redoc/"]
CSP_RELAXED_POLICY = CSP_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self';", "style-src 'self' 'unsafe-inline';"
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"


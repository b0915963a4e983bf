"""Settings from the environment.

With nothing set the app runs on embedded defaults: SQLite, Celery eager, in-memory channel layer.
With DATABASE_URL / REDIS_URL / CELERY_BROKER_URL set, the same code runs on PostgreSQL, Redis
and real Celery workers. Every product number from SPEC lives in `config/product.py`, the beat schedule in `config/schedule.py`.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from config.product import (  # noqa: F401 (settings)
    APPEALS,
    AUDITS,
    CALIBRATION,
    FILTER,
    INTAKE,
    KAPPA,
    MODELHOOKS,
    PAY,
    RISK_DB,
    SHARDS,
    VERIFIER,
)
from config.schedule import BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


DEBUG = env_bool("DJANGO_DEBUG", False)
# SECRET_KEY: see "Security (issue 11)" below; with DEBUG off there is no default.
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # API tokens: hashed at rest, expiring, revocable (issue 11)
    "axes",  # login throttling and lockout (issue 11)
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "channels",
    "django_celery_beat",
    "core",
    "shards",
    "training",
    "verifier",
    "quality",
    "risk_db",
    "modelhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.api.ApiBodyMiddleware",  # /api/: size limit (413), one JSON object, no control characters (issue 11)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # VQ-9: cookie or browser language before login
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.i18n.UserLanguageMiddleware",  # VQ-9: a signed-in user's own setting wins
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.security.CSPMiddleware",  # django-csp's, the policy built once (issue 13)
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its 429 answer
]
# Issues 13, 14: a token-authenticated /api/ request (a machine client: the live filter's caller, a verifier
# client) runs this chain instead (core.handlers, config/wsgi.py): no session, CSRF, messages, htmx, static
# files or login lockout to look after; the same security headers, body checks, language and CSP.
API_TOKEN_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.api.ApiBodyMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.security.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
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
                "django.template.context_processors.i18n",
            ]
        },
    }
]
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several web threads write in the embedded mode; wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif int(os.environ.get("DB_POOL_MAX_SIZE", "10")) > 0:
    # One psycopg 3 pool per process: daphne runs each request in a thread of its own, and a
    # persistent connection per thread (CONN_MAX_AGE > 0) outlived its thread and filled
    # PostgreSQL's 100 connections. A process never holds more than max_size; a request that
    # finds them all busy waits up to `timeout` seconds. README: "Running on more than one machine".
    # DB_POOL_MAX_SIZE=0 turns the pool off (behind PgBouncer, say); DB_CONN_MAX_AGE then applies.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django must not
    # The pool checks a connection before lending it: after a database outage its idle connections are
    # dead, and without the check each would fail one request (issue 12). The backend (core.postgresql)
    # asks the server only when the socket says the connection ended (issue 14: no round trip per request).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "1")),
        "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "10")),
        "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "10")),
    }
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["ENGINE"] = "core.postgresql"  # Django's, lending pooled connections without a round trip
    # Issue 14: the hot path's hand-written statements (core.sql) are prepared once per connection; the
    # ORM's own queries bind client-side and are never prepared (the huge threshold keeps it so).
    # DB_PREPARE=0 turns preparing off (a pooler in transaction mode that does not track them).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        10**9 if env_bool("DB_PREPARE", default=True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

# VQ-9: English (the default), Thai and Arabic ship; translations live in locale/ and are compiled
# by `make install` (scripts/compile_messages.py, pure Python: no GNU gettext needed).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("th", "ไทย"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "verifier_language"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None  # set it to run collectstatic for a deployment
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# ---- API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.tokens.TokenAuthentication",  # knox: `Authorization: Token <key>`, as before
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.ErrorShapeAutoSchema",  # every status, one error shape (issue 11)
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",  # the body ApiBodyMiddleware parsed, not parsed twice
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Verifier Ops API",
    "DESCRIPTION": "Human verification of user corrections and culturally risky posts (SPEC 8).",
    "VERSION": "1.0.0",
    # Swagger UI assets ship in a package: the docs page works without the internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Bulk intake carries up to 10,000 items (SPEC 8): the body bound is sized to that bulk in
# config/product.py (INTAKE["BULK_BODY_MAX_BYTES"], ~58 MiB); a larger body answers 413 on /api/.
DATA_UPLOAD_MAX_MEMORY_SIZE = INTAKE["BULK_BODY_MAX_BYTES"]
DATA_UPLOAD_MAX_NUMBER_FIELDS = None

# ---- Security (issue 11): keys, passwords, tokens, lockout, cookies, CSP ------------------------
# The key. With DEBUG on, a fixed development key. With DEBUG off it comes from DJANGO_SECRET_KEY;
# without it a process gets a random key of its own (so `migrate`, `makemigrations` and the tests
# run), marked ephemeral: the servers (config/asgi.py, config/wsgi.py, so daphne, gunicorn and
# runserver) refuse to start with it (core.security.secret_key_require) and `check --deploy` fails.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
SECRET_KEY_EPHEMERAL = not SECRET_KEY and not DEBUG
if not SECRET_KEY:
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = "dev-only-insecure-key-change-me" if DEBUG else get_random_secret_key()

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes) on /login/, Django admin's login and POST /api/v1/auth/token/: the
# AUTH_LOCKOUT_FAILURES-th wrong password for one username from one address within the cool-off is
# refused (429) and so is every attempt, right or wrong, until AUTH_LOCKOUT_COOLOFF_S has passed.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("AUTH_LOCKOUT_FAILURES", "6"))
AXES_COOLOFF_TIME = timedelta(seconds=int(os.environ.get("AUTH_LOCKOUT_COOLOFF_S", str(15 * 60))))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"  # the JSON error shape on /api/, a page elsewhere
AXES_VERBOSE = False

# API tokens (django-rest-knox): only a SHA-512 digest is stored, each token expires after
# API_TOKEN_TTL_S (default 10 h), POST /api/v1/auth/logout/ revokes the one presented and
# /api/v1/auth/logout-all/ every token of the user. `Authorization: Token <key>` as before.
REST_KNOX = {
    "TOKEN_TTL": timedelta(seconds=int(os.environ.get("API_TOKEN_TTL_S", str(10 * 3600)))),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": None,
    "AUTO_REFRESH": False,
}

# Cookies and transport. Here: HttpOnly cookies and the headers that do not need HTTPS. The
# production settings (config/settings_production.py) add Secure cookies, the HTTPS redirect and HSTS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # the pages send the token from the form / hx-headers, never read the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp 4): scripts and styles only from our own static files
# (htmx, Chart.js and the page scripts are vendored; no inline script, style or handler is left in
# the templates); websockets to the same host. Swagger UI (/api/schema/ui/) gets its own policy.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, "ws:", "wss:"],  # production: wss: only
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# ---- end of the security block -------------------------------------------------------------

# ---- Redis, Celery, Channels ---------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or None)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"modelhooks.tasks.gpu_*": {"queue": "gpu"}}
# MH-7: at-least-once. A task is acknowledged only after it ran; a dead worker's task returns.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The longest task is bounded, not guessed: a task past its soft limit gets SoftTimeLimitExceeded
# (it fails and is logged; every task is idempotent, MH-7, so the next beat or a retry resumes),
# and one past the hard limit is killed. 15 minutes by default; work that needs longer must be
# split into tasks that each fit (as scoring is, batch by batch).
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", 15 * 60))
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 60, CELERY_TASK_TIME_LIMIT * 9 // 10)
# Redis redelivers a message nobody acknowledged within the visibility timeout: it must exceed the
# longest task (or a running task is delivered twice), so it is the hard limit plus 5 minutes of
# margin (20 min). Every worker sweeps for such messages when it starts and then every
# `unacked_restore_interval` seconds: the task of a worker that died comes back within
# visibility timeout + 30 s (20.5 min; it was 2 h), provided a worker consumes its queue.
# Tests shorten it (CELERY_VISIBILITY_TIMEOUT) to see a dead worker's task return.
_visibility_s = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 5 * 60))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_s,
    "unacked_restore_interval": min(30, _visibility_s),
    "unacked_restore_throttle": 1,  # scan on every sweep (kombu's default scans every 10th)
}
# The bound on a dead worker's task coming back, in seconds (not a Celery setting: no CELERY_ prefix).
TASK_RECOVERY_BOUND_S = _visibility_s + min(30, _visibility_s)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE

if REDIS_URL:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # The dev server logs each request itself; don't print it twice through the root logger.
    "loggers": {"django.channels.server": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}


# Static files are served by WhiteNoise straight from the source folders: no collectstatic step.
WHITENOISE_USE_FINDERS = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so a server started by the browser tests sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", str(BASE_DIR / "test_db.sqlite3"))}
elif os.environ.get("TEST_DATABASE_NAME"):
    # Lets two test runs share one PostgreSQL server without dropping each other's database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}


SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {"YesNoEnum": ["yes", "no"]}

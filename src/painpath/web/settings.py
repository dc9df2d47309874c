"""Django settings, all from environment variables (see .env.example).

SQLite in ``var/painpath.sqlite3`` is the embedded default; set ``DATABASE_URL`` (for example
``postgres://painpath@127.0.0.1:5432/painpath``) for the multi-user PostgreSQL database.
"""

from __future__ import annotations

import os
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from painpath.core import vocabularies
from painpath.web.env import DEVELOPMENT_SECRET_KEY, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("PAINPATH_VAR_DIR", str(Path.cwd() / "var")))

DEBUG = env_bool("DEBUG", False)

GENERATE_KEY = 'python3 -c "import secrets; print(secrets.token_urlsafe(50))"'


def production_secret(name: str, development: str, *, min_length: int) -> str:
    """A secret from the environment. With DEBUG off an unset, placeholder (.env.example's
    "change-me-…"), development or short key stops start-up: a guessable key would let anyone
    forge sessions (SECRET_KEY) or read the CPR numbers of a stolen database (FIELD_KEY)."""
    value = env_str(name, "")
    if DEBUG:
        return value or development
    how = f"generate one with {GENERATE_KEY} and set it in the environment file"
    if not value:
        raise ImproperlyConfigured(f"{name} is not set; {how} (DEBUG=1 allows a development key)")
    lowered = value.lower()
    if value == development or "change-me" in lowered or lowered.startswith("django-insecure"):
        raise ImproperlyConfigured(
            f"{name} is a placeholder or the development key, not a secret; {how}"
        )
    if len(value) < min_length or len(set(value)) < 10:
        raise ImproperlyConfigured(
            f"{name} is too short or too repetitive ({len(value)} characters; at least "
            f"{min_length} needed); {how}"
        )
    return value


SECRET_KEY = production_secret("SECRET_KEY", DEVELOPMENT_SECRET_KEY, min_length=50)
# Encrypts identifiers such as the CPR number and keys their lookup hash. Losing it makes
# the stored numbers unreadable; keep it apart from the database backup.
FIELD_KEY = production_secret(
    "PAINPATH_FIELD_KEY", "development-only-field-key-not-for-production", min_length=32
)
if not DEBUG and FIELD_KEY == SECRET_KEY:
    raise ImproperlyConfigured(
        f"PAINPATH_FIELD_KEY must differ from SECRET_KEY; generate another with {GENERATE_KEY}"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "painpath.web",
    "painpath.accounts",
    "painpath.audit",
    "painpath.patients",
    "painpath.questionnaires",
    "painpath.pathway",
    "django_tasks",
    "django_tasks_db",
    "painpath.followup",
    "painpath.clinic",
    "painpath.analytics",
    "painpath.administration",
    "painpath.registry",
    "painpath.api",
    # django-ninja's own Swagger UI files, served from here: its CDN copy would break the CSP.
    "ninja",
]

MIDDLEWARE = [
    # Outermost: every log line of a request, and its response, carry the request's id.
    "painpath.web.middleware.RequestIdMiddleware",
    # Before anything reads the client's address (the audit log, django-axes' lockouts).
    "painpath.web.middleware.ForwardedForMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files with hashed names and far-future caching; before NoStoreMiddleware, which
    # they never reach.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every response painpath renders gets it, refusals and lockouts included.
    "painpath.web.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "painpath.accounts.middleware.SuperuserInstallationOnlyMiddleware",
    # After authentication: the clinic the staff member works in, and their role there.
    "painpath.patients.access.CurrentClinicMiddleware",
    "painpath.accounts.middleware.UserLanguageMiddleware",
    # Inside the superuser's guard (which audits its own refusals): a 403 on patient data.
    "painpath.web.middleware.RefusedReadAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # A clinic role's permissions, in the clinic the staff member works in now.
    "painpath.patients.access.ClinicRoleBackend",
]

ROOT_URLCONF = "painpath.web.urls"
WSGI_APPLICATION = "painpath.web.wsgi.application"

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
                "painpath.patients.access.clinic_context",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'painpath.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Many writers at once (gunicorn -w 4 --threads 4): queue them, never fail them.
    # WAL lets pages be read while a patient's answers are written. IMMEDIATE takes the write
    # lock when a transaction begins, so a writer waits up to the busy timeout for it — a
    # DEFERRED one that read first fails at once with "database is locked" when it tries to
    # write after another writer committed. synchronous=NORMAL: with WAL a crash of the
    # process loses nothing and a power cut at most the last commits, never consistency.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,  # seconds a writer waits for the lock
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [(language.code, language.name) for language in vocabularies.languages()]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Copenhagen")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `manage collectstatic` copies every static file here, with its content's hash in its name
# (so a new release never meets an old cached copy) and compressed; WhiteNoise serves them.
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
LOCALE_PATHS = [BASE_DIR.parent / "locale"]

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
BEHIND_PROXY = env_bool("PAINPATH_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of painpath append to X-Forwarded-For: the client's address is the
# entry that many from the right (ForwardedForMiddleware puts it in REMOTE_ADDR). Entries
# further left are the client's own claims and never trusted; 0 (not behind a proxy) ignores
# the header. docs/deployment.md.
PAINPATH_PROXY_COUNT = env_int("PAINPATH_PROXY_COUNT", 1 if BEHIND_PROXY else 0)
# A monitor on the server itself may ask gunicorn for /health/ over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "clinic:worklist"
# Where each role starts after signing in: the first screen whose permission the user holds.
PAINPATH_LANDING = (
    ("patients.view_episode", "clinic:worklist"),
    ("audit.view_auditentry", "administration:audit_log"),
    ("patients.change_membership", "administration:staff"),
    ("audit.view_analytics", "analytics:report"),
)
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-axes: lock a username from an address after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A page that says what happened and what to do (wrong one-time codes count as failures too).
AXES_LOCKOUT_CALLABLE = "painpath.accounts.services.lockout_page"
# The client's address is REMOTE_ADDR, which ForwardedForMiddleware sets from the trusted
# proxy's X-Forwarded-For; pinned so that installing django-ipware cannot make axes trust the
# header's client-written entries (a forged address per attempt would never lock out).
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

OTP_TOTP_ISSUER = "painpath"
# No admin page shows an authenticator's secret or its QR code after enrolment (painpath's own
# device admins show neither either: painpath.accounts.admin).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Checked where staff choose a password (the invitation link's form).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# How long an invitation link (to set a first password) works.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60

# Content security policy (django-csp 4): nothing from other origins, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True

# Patient links: how long an intake or follow-up link stays valid.
# The worklist flags procedures within this many days that are not ready.
PAINPATH_UPCOMING_DAYS = env_int("PAINPATH_UPCOMING_DAYS", 30)
# The worklist shows a change of the stepped-care step made within this many days, until
# someone opens the patient's page.
PAINPATH_STEP_CHANGE_DAYS = env_int("PAINPATH_STEP_CHANGE_DAYS", 14)
PAINPATH_LINK_DAYS = int(env_str("PAINPATH_LINK_DAYS", "14"))
# Disclosure control of the researcher's outcome report (docs/disclosure.md): the registry's
# minimum number of patients behind any figure (PCORnet uses 11), and the columns researchers
# may filter and compare by (each one withholds more patients in rare combinations).
PAINPATH_DISCLOSURE_K = env_int("PAINPATH_DISCLOSURE_K", 5)
PAINPATH_RESEARCH_COLUMNS = env_list(
    "PAINPATH_RESEARCH_COLUMNS",
    ["clinic", "treatment", "procedure", "sex", "age_band", "index_year"],
)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "painpath@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before an unanswering mail server counts as a failed send (Django's default waits
# for ever, and a clinician sending a link waits with it).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# Error reports (below) come from this address.
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_SUBJECT_PREFIX = "[painpath] "
# An e-mail provider's API instead of SMTP goes through django-anymail (installed by the
# installation that uses it, e.g. `pip install "django-anymail[postmark]"`):
# EMAIL_BACKEND=anymail.backends.postmark.EmailBackend, and each ANYMAIL_<NAME> variable
# becomes ANYMAIL["<NAME>"] (ANYMAIL_POSTMARK_SERVER_TOKEN=…), so no key is written here.
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_")
}

# Follow-up: links and reminders go out from a background task (Django's task framework, the
# django-tasks backport until Django 6) whose queue is a database table, so the embedded
# default needs no extra server: `manage db_worker` runs it, `manage followup_tick` (cron)
# queues the daily run. PAINPATH_TASK_BACKEND=django_tasks.backends.immediate.ImmediateBackend
# runs tasks inline instead. See docs/followup.md.
TASKS = {
    "default": {
        "BACKEND": env_str("PAINPATH_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A dotted path to a class with send(to, text); the console one prints the message.
# Unset in production: no texts (the console one would write patients' links to the log).
PAINPATH_SMS_BACKEND = env_str(
    "PAINPATH_SMS_BACKEND",
    "painpath.followup.sms.ConsoleBackend" if DEBUG else "painpath.followup.sms.DisabledBackend",
)
# The address patients open their follow-up links at (links in emails need the full URL).
PAINPATH_BASE_URL = env_str("PAINPATH_BASE_URL", "http://127.0.0.1:8000")


# Logging: one JSON object per line on stderr (journald keeps and rotates it), each with the
# request's id (painpath.web.log); DEBUG=1 prints plain lines instead.
# PAINPATH_ADMINS ("Name <address>, address") receive an email per server error: the message,
# the request id and the traceback only — never the request's data, which may be a patient's.
ADMINS = [
    (name.strip(), address) for name, address in map(parseaddr, env_list("PAINPATH_ADMINS", []))
]
if any("@" not in address for _, address in ADMINS):
    raise ImproperlyConfigured(
        "PAINPATH_ADMINS must list email addresses, comma-separated: "
        "'Name <address@example.org>, other@example.org'"
    )
LOG_LEVEL = env_str("PAINPATH_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "painpath.web.log.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "json": {"()": "painpath.web.log.JsonFormatter"},
        "plain": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request_id"],
            "formatter": "plain" if DEBUG else "json",
        },
        "mail_admins": {
            "class": "painpath.web.log.AdminMailHandler",
            "level": "ERROR",
            "filters": ["request_id", "require_debug_false"],
        },
    },
    "root": {"handlers": ["stderr", "mail_admins"], "level": LOG_LEVEL},
    # Django's own handlers (its console and its detailed error mail, which holds the request's
    # data) give way to the root's.
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # Its lockouts (WARNING), not its start-up banner in every command's output.
        "axes": {"level": "WARNING"},
    },
}

"""Django settings for ALTER Screen, read from the environment (one file).

Every value that differs between a developer's laptop, CI and a hospital server comes
from an environment variable, parsed by django-environ. Secrets may also come from a
file named by ``<NAME>_FILE`` (docker-compose secrets), which django-environ reads.
"""

from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ

# Django's generic classes (ModelAdmin[Site], TabularInline[...], ModelForm[Screening]) are
# generic only in django-stubs: this lets the subscripted bases that mypy needs run too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.FileAwareEnv(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    TIME_ZONE=(str, "Europe/Paris"),
)

DEBUG: bool = env("DEBUG")

# No usable default secret outside development: without SECRET_KEY, Django refuses the
# first request that needs it ("The SECRET_KEY setting must not be empty") rather than
# sign sessions with a key published on GitHub. Commands that sign nothing, such as
# `manage.py screen`, still run.
if DEBUG:
    SECRET_KEY: str = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")

ALLOWED_HOSTS: list[str] = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS: list[str] = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "axes",
    "csp",
    "screening",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control: no-store on every page (patient data), whatever answered it.
    "screening.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # A signed-in session's 30 idle minutes start again at most once a minute (no write per page).
    "screening.middleware.SessionRenewalMiddleware",
    "screening.middleware.UserLanguageMiddleware",
    # Before anything reads the form: more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (below)
    # answers a page saying that nothing was saved, not a bare 400.
    "screening.middleware.OversizedRequestMiddleware",
    "screening.middleware.RejectNullCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Who changed what: the database triggers of django-pghistory record every row change;
    # this attaches the user and URL of the request to them.
    "pghistory.middleware.HistoryMiddleware",
    # A database error raised by a view (a lock or statement timeout, a lost connection)
    # answers the 503 fault page, which says whether the save was stored.
    "screening.middleware.DatabaseFaultMiddleware",
    # Last, as django-axes requires: it turns a lockout noted during the login into its page.
    "axes.middleware.AxesMiddleware",
]

# The largest screening the exchange format allows (60 labs, 10 tumour samples, 20
# pregnancy tests, 50 drugs: shared/spec/exchange-format.md, "Limits") posts at most 719
# fields through the screening form: 57 of the screening itself (51 values, version, save
# key, reason, identity confirmation, CSRF token, site; a page shows 55 of them), 4
# management fields per formset (16), and each row's fields and its delete box, the blank
# rows included: labs (60 + 2) x 6, samples (10 + 1) x 8, pregnancy tests (20 + 1) x 4,
# drugs (50 + 1) x 2 = 646 (tests/web/test_limits_and_leaks.py counts them on the page).
# Django's default of 1,000 leaves too little room; 2,000 lets a form with rows added
# beyond the limits reach the form's own message ("at most 60"), and still stops a body of
# thousands of fields early. Over it, screening.middleware.OversizedRequestMiddleware
# answers a page saying that nothing was saved.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2_000
# Request bodies other than uploaded files: Django's default (2.5 MiB), far above the
# largest form (about 20 kB, under 40 kB with 50 drug names of 200 characters); the JSON
# import is an uploaded file, bounded by its own form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

ROOT_URLCONF = "alter.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "alter.wsgi.application"

# DATABASE_URL is required: the screening record lives in PostgreSQL only. The README's
# run and test commands start a local PostgreSQL and set it when it is unset.
# Two roles (docs/operations.md, "Database roles"): the application connects as the runtime
# role, which owns nothing; `manage.py migrate` must connect as the owner, so it runs with
# DATABASE_URL set to the owner's URL (MIGRATION_DATABASE_URL in scripts/run and the
# container), and so do the tests, since pytest-django creates the test database.
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://alter:alter@127.0.0.1:5432/alter")}
# The role `migrate` grants the application's rights to (screening/db_roles.py). Its password
# is read only by the tests that connect as it to try what it must not be able to do.
DATABASE_RUNTIME_ROLE: str = env.str("DATABASE_RUNTIME_ROLE", default="alter_app")
DATABASE_RUNTIME_PASSWORD: str = env.str("DATABASE_RUNTIME_PASSWORD", default="alter_app" if DEBUG else "")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A save blocked by a lock, or a statement stuck in the database, must fail well before
# gunicorn kills the worker (`--timeout 120` in the Dockerfile): the save's transaction is
# then rolled back whole and the user is told so (a 503 page, screening/middleware.py),
# instead of a dropped connection that leaves them guessing whether it was stored.
# Set on every connection through libpq's startup options (psycopg 3 passes them), after
# any options of DATABASE_URL, in milliseconds. docs/operations.md, "What a user sees after
# a fault".
DB_STATEMENT_TIMEOUT_MS: int = env.int("DB_STATEMENT_TIMEOUT_MS", default=20_000)
DB_LOCK_TIMEOUT_MS: int = env.int("DB_LOCK_TIMEOUT_MS", default=5_000)
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_timeouts = f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS} -c lock_timeout={DB_LOCK_TIMEOUT_MS}"
_db_options["options"] = f"{_db_options['options']} {_timeouts}" if _db_options.get("options") else _timeouts

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
FORMAT_MODULE_PATH = ["alter.formats"]
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "screening" / "locale"]
TIME_ZONE: str = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

AUTH_USER_MODEL = "screening.User"
# django-axes first: it refuses a locked account before the password is even checked, and
# counts failures. It needs the request, which Django's LoginView (and the admin's) passes.
# Every password prompt goes through authenticate() with the request, so that its wrong
# passwords count towards the same lockout: the login, the electronic signature's
# re-authentication (screening/views/signoff.py) and the old password of a password change
# (screening.forms.LockoutPasswordChangeForm).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "screening:list"
LOGOUT_REDIRECT_URL = "login"

# Production posture (docs/operations.md): `manage.py check --deploy` reports nothing with
# DEBUG off, a SECRET_KEY and ALLOWED_HOSTS set (tests/web/test_production.py).
# Secure cookies and HSTS unless running the development server.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Asking browsers to preload HTTPS-only for the whole registrable domain is the hospital's
# decision for all its hosts, not this application's: off unless the operator opts in, and
# the deploy check that recommends it (security.W021) is silenced for that reason only.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# The app runs behind an HTTPS reverse proxy that sets X-Forwarded-Proto (and strips any
# value sent by the client).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No page reads the CSRF cookie from JavaScript: forms and htmx send the form's token.
CSRF_COOKIE_HTTPONLY = True

# A session ends after 30 minutes without a request, or when the browser closes: requests
# push the expiry 30 minutes further (sliding), on a shared ward computer too; at most once
# a minute (screening.middleware.SessionRenewalMiddleware), so that a page is not a write.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Repeated failed logins lock the account (django-axes). By username only, never by
# address: a hospital's staff share one NAT address, and locking it would lock them all.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# The lockout page promises "try again in 15 minutes": an attempt during the lockout,
# refused before its password is checked, must not push that time further.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failures and lockouts are still logged (warnings); not the start-up banner, which every
# management command would print, `manage.py screen` included.
AXES_VERBOSE = False

# Two deploy checks are silenced, each for its reason only:
# - security.W021 (HSTS preload): see SECURE_HSTS_PRELOAD above.
# - axes.W006 (no 'ip_address' in AXES_LOCKOUT_PARAMETERS): the lock is per account on
#   purpose (hospital NAT, above). Failures are counted per username whatever the client's
#   User-Agent or cookies, so rotating them does not reset the count (tests/web/
#   test_production.py); spreading guesses over many accounts from one address is left to
#   the reverse proxy's rate limit (docs/operations.md).
SILENCED_SYSTEM_CHECKS = ["security.W021", "axes.W006"]

# Content-Security-Policy (django-csp 4): scripts and styles from our own origin only, no
# inline script or style, no framing. htmx's inline indicator style is turned off in
# base.html (htmx-config), and every behaviour lives in static/screening/screening.js.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Lab results from the hospital (fhir-labs.md): a FHIR R4 server to fetch a patient's recent
# Observations from, by the identifier a coordinator enters. Empty: only file uploads.
FHIR_BASE_URL: str = env.str("FHIR_BASE_URL", default="")
FHIR_TIMEOUT_SECONDS: int = env.int("FHIR_TIMEOUT_SECONDS", default=15)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs each rendering step at INFO ("Step 2 - Fetching and parsing CSS"):
    # its warnings are what matters.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}

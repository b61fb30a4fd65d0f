"""Mashwara settings: one module, every value read from the environment.

``MASHWARA_ENV=production`` switches on the deployment defaults (HTTPS-only cookies, HSTS,
no debug, Redis required). Without any variable set the platform runs on SQLite with Celery
tasks run eagerly and a local-memory cache, so a fresh checkout works with no services.
Every variable is documented in README.md.
"""

from __future__ import annotations

from pathlib import Path

from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from .environment import (
    ConfigurationError,
    database_from_url,
    development_secret,
    env_bool,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MASHWARA_VAR_DIR", str(BASE_DIR / "var")))

ENVIRONMENT = env_str("MASHWARA_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ConfigurationError("MASHWARA_ENV must be 'development' or 'production'")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", False) and not PRODUCTION
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ConfigurationError("SECRET_KEY must be set in production")
    SECRET_KEY = development_secret(VAR_DIR / "secret_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    # Before allauth, so that our account and MFA templates override allauth's.
    "convention",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # allauth.usersessions is deliberately absent: it stores IP addresses and user agents.
    "deliberation",
    "voting",
]

MIDDLEWARE = [
    # First, so outermost: the ballot box's requests lose their cookies before anything reads
    # them, and its answers lose any cookie or "Vary: Cookie" after everything else has run.
    "voting.middleware.CookielessBallotBoxMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.PrivacyHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.SameOriginFetchMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "convention.passwords.PasswordHashingBusyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Forms: Django's renderer with an error summary at the top of each form (config/form_renderer.py).
FORM_RENDERER = "config.form_renderer.FormRenderer"

# --- Data stores -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'mashwara.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL, base_dir=BASE_DIR)}
# The ASGI server (live updates) runs each request in its own thread: persistent connections
# would pile up there, so its deployment sets DB_CONN_MAX_AGE=0.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
else:
    # A PostgreSQL that does not answer fails a request in seconds instead of holding a worker
    # (DATABASE_URL's ?connect_timeout= overrides it).
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 3)
    # A partition (packets vanish, nothing resets the link) fails a request in 20 s, inside
    # gunicorn's 30 s worker timeout, instead of hanging the worker until it is killed: the
    # kernel gives up on data unacknowledged for tcp_user_timeout ms, and keepalives find an
    # idle link dead in 10 + 3 × 5 s (elections §11).
    for option, value in {
        "tcp_user_timeout": 20_000,
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }.items():
        DATABASES["default"]["OPTIONS"].setdefault(option, value)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if PRODUCTION and not REDIS_URL:
    raise ConfigurationError("REDIS_URL must be set in production (cache, broker, live updates)")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mashwara",
            # Short socket timeouts: a Redis that is partitioned away fails fast (the rate
            # limits and /healthz then answer) instead of hanging every worker.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery: nothing lost, nothing run twice by accident ---------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# visibility_timeout: a task taken by a worker that dies without acknowledging it (kill -9, the
# machine gone) is delivered again after this many seconds. It must exceed the longest task
# (the encrypted tally of 100 000 ballots takes about 30 s, combining shares less), or a task
# still running would be delivered a second time (harmless: every task is idempotent, but
# wasted work). Five minutes; the beat sweep (voting.sweep_due_tallies) covers the rest.
# The socket timeouts make enqueueing fail in seconds when Redis is unreachable (the request
# has committed; the sweep does the work) instead of hanging the request.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 300),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE: dict = {
    # Elections move at their scheduled times (credential window, opening, closing).
    "voting-advance-scheduled-elections": {
        "task": "voting.advance_scheduled_elections",
        "schedule": 60.0,
    },
    # Tallies and combinations that are due but whose task was never enqueued or was lost.
    "voting-sweep-due-tallies": {
        "task": "voting.sweep_due_tallies",
        "schedule": 60.0,
    },
}

# --- Accounts ----------------------------------------------------------------------------
AUTH_USER_MODEL = "convention.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = [
    # Argon2 inside a bounded number of slots per machine (convention/passwords.py).
    "convention.passwords.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# At most PASSWORD_HASHING_SLOTS password hashes at once on this machine (across all workers);
# a request waits at most PASSWORD_HASHING_WAIT seconds for a slot, then gets a 503.
PASSWORD_HASHING_SLOTS = env_int("PASSWORD_HASHING_SLOTS", 1)
PASSWORD_HASHING_WAIT = float(env_str("PASSWORD_HASHING_WAIT", "0.5"))
PASSWORD_HASHING_LOCK_DIR = env_str("PASSWORD_HASHING_LOCK_DIR", str(VAR_DIR))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "convention.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "convention.forms.accounts.UsernameLoginForm",
    "signup": "convention.forms.accounts.InvitationSignupForm",
}
MFA_ADAPTER = "convention.adapters.MFAAdapter"
MFA_FORMS = {
    "add_webauthn": "convention.forms.accounts.PasskeyAddForm",
    "edit_webauthn": "convention.forms.accounts.PasskeyEditForm",
}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
# "strict": whether an email address already has an account must never show. With email
# verification off, allauth's True still answers "already registered" on the sign-up form; strict
# lets two accounts share an (unverified) address instead, which harms no one here.
ACCOUNT_PREVENT_ENUMERATION = "strict"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_MAX_LENGTH = 40
# Every limit is keyed by user or by the submitted key, never by address: behind Tor or a
# proxy all clients share one address, and IP-keyed cache entries would store addresses.
# allauth applies "login", "signup" and "reset_password_from_key" to the whole view, where it has
# no key and no user, only an address: they are off ("") and the limits that matter are keyed:
# failed logins per username, attempts per invitation code (redeem_invitation), MFA codes per user.
ACCOUNT_RATE_LIMITS = {
    "login": "",
    "login_failed": "5/5m/key",
    "signup": "",
    "redeem_invitation": "20/h/key",
    "change_password": "5/m/user",
    "reset_password": "5/m/key",
    "reset_password_from_key": "",
    "reauthenticate": "10/m/user",
    "manage_email": "10/m/user",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
# The name authenticator apps show next to the entry; README: MASHWARA_SITE_NAME is "shown in
# pages and TOTP apps", so a deployment can choose a name that means nothing at a checkpoint.
MFA_TOTP_ISSUER = env_str("MASHWARA_SITE_NAME", "Mashwara")
# webauthn_login defaults to a per-address limit; without addresses it would be one limit shared
# by everyone. A passkey signature cannot be guessed, so it has none.
MFA_RATE_LIMITS = {
    "reauthenticate": "10/m/user",
    "activate_totp": "10/m/user",
    "webauthn_login": "",
}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
# Email is optional and never verified (ACCOUNT_EMAIL_VERIFICATION = "none"): without this,
# anyone who gave an email address could never turn on two-factor authentication.
MFA_ALLOW_UNVERIFIED_EMAIL = True

# --- Languages: English, Dari, Pashto ----------------------------------------------------
LANG_INFO["ps"] = {"bidi": True, "code": "ps", "name": "Pashto", "name_local": "پښتو"}
LANG_INFO["fa-af"] = {"bidi": True, "code": "fa-af", "name": "Dari", "name_local": "دری"}
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fa-af", _("Dari")), ("ps", _("Pashto"))]
LANGUAGES_BIDI = ["fa", "fa-af", "ps", "ar", "ur"]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
LANGUAGE_COOKIE_NAME = "mashwara_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = PRODUCTION
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files: bundled locally, never from another host -----------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "frontend" / "dist"]
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security headers --------------------------------------------------------------------
SESSION_ENGINE = "config.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = PRODUCTION
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), clipboard-read=(), display-capture=(), "
    "encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), interest-cohort=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
    "publickey-credentials-get=(self), publickey-credentials-create=(self)"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "manifest-src": ["'self'"],
    }
}

# --- Logging: nothing personal -----------------------------------------------------------
LOGGING_CONFIG = "config.logging.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"handlers": [], "propagate": False},
        "uvicorn.access": {"handlers": [], "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}

# --- Platform ----------------------------------------------------------------------------
MASHWARA_SITE_NAME = env_str("MASHWARA_SITE_NAME", "Mashwara")
# The Django admin, for operators. Off by default in production: it is one more way in, and
# everything a deployment needs is on the organizer pages or in management commands. When on, its
# log-in goes through allauth (convention/admin.py) with the rate limits and the second factor.
MASHWARA_ADMIN = env_bool("MASHWARA_ADMIN", not PRODUCTION)

"""Peerloop settings, assembled from the environment.

Profiles (PEERLOOP_PROFILE): ``dev`` (default, SQLite, console email), ``test`` and
``production`` (fails fast when a secret or host is missing). See README.md for
every variable.
"""

import sys

from peerloop.conf import data_dir, env, env_bool, profile
from peerloop.conf.database import databases
from peerloop.conf.email import email
from peerloop.conf.queue import huey
from peerloop.conf.security import security
from peerloop.conf.storage import storage

PROFILE = profile()
TESTING = PROFILE == "test" or "pytest" in sys.modules
DATA_DIR = data_dir()

globals().update(security())
globals().update(email())
globals().update(storage(DATA_DIR))
DATABASES = databases(DATA_DIR)
HUEY = huey(DATA_DIR, testing=TESTING)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "huey.contrib.djhuey",
    "ninja",
    "peerloop.core",
    "peerloop.accounts",
    "peerloop.vocabulary",
    "peerloop.people",
    "peerloop.spaces",
    "peerloop.programs",
    "peerloop.notifications",
    "peerloop.matching",
    "peerloop.discussions",
    "peerloop.feedback",
    "peerloop.recognition",
    "peerloop.insights",
    "peerloop.web",
    "peerloop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "peerloop.web.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "peerloop.web.middleware.ActorMiddleware",
    # Body size limits (413) everywhere; problem details for every /api/ error.
    "peerloop.api.middleware.RequestBoundaryMiddleware",
    "peerloop.web.middleware.PermissionErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "peerloop.urls"
WSGI_APPLICATION = "peerloop.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# accounts cannot read the directory (it is the older module): this newer module's
# function gives a directory person without a login one when they ask for a password link.
PEERLOOP_LOGIN_PROVISIONER = "peerloop.people.services.person_login_ensure"
# Where links in emails point when no request tells (commands, background work).
PEERLOOP_SITE_URL = env("PEERLOOP_SITE_URL", "http://127.0.0.1:8000")
# Outgoing webhooks never reach loopback, private, link-local or reserved addresses unless
# this is on (a receiver on the same host or network, tests).
PEERLOOP_WEBHOOKS_ALLOW_PRIVATE = env_bool("PEERLOOP_WEBHOOKS_ALLOW_PRIVATE", False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peerloop.web.context.navigation",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or PROFILE == "dev"
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = PROFILE != "production"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

NINJA_PAGINATION_MAX_LIMIT = 100
NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING" if TESTING else "INFO"},
    # The consumer installs its own handler on "huey"; propagating would print every line twice.
    "loggers": {"huey": {"level": "INFO", "propagate": False}},
}

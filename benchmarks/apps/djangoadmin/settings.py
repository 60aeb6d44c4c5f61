"""Production settings of a project whose admin is on: those of ``startproject`` with
``DEBUG = False``, PostgreSQL through psycopg 3 with persistent connections, and Django's
tables first on the ``search_path`` (the ``django`` schema)."""

from __future__ import annotations

from urllib.parse import urlsplit

import _admin_common
from _admin_common import DJANGO_SCHEMA, DSN

_url = urlsplit(DSN)
DEBUG = False
SECRET_KEY = _admin_common.SECRET_KEY
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "djangoadmin.urls"
WSGI_APPLICATION = "djangoadmin.wsgi.application"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "djangoadmin.apps.PollsConfig",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
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
            ],
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": _url.username or "postgres",
        "PASSWORD": _url.password or "",
        "HOST": _url.hostname or "127.0.0.1",
        "PORT": _url.port or 5432,
        "CONN_MAX_AGE": None,  # one persistent connection per worker thread
        "OPTIONS": {"options": f"-c search_path={DJANGO_SCHEMA},public"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"

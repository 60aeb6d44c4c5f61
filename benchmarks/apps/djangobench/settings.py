"""Minimal production settings: no middleware, no sessions, no admin, templates from apps/."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

from _common import DSN

_url = urlsplit(DSN)
DEBUG = False
SECRET_KEY = secrets.token_urlsafe(48)
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "djangobench.urls"
INSTALLED_APPS = ["djangobench"]
MIDDLEWARE: list[str] = []
USE_TZ = True
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": _url.username or "postgres",
        "PASSWORD": _url.password or "",
        "HOST": _url.hostname or "127.0.0.1",
        "PORT": _url.port or 5432,
        "CONN_MAX_AGE": None,  # one persistent connection per worker thread
    }
}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent.parent / "templates"],
    }
]

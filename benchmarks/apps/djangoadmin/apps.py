"""The polls app: this package, labelled ``polls`` so that its pages are ``/admin/polls/…``."""

from __future__ import annotations

from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "djangoadmin"
    label = "polls"
    default_auto_field = "django.db.models.BigAutoField"

"""URL patterns of the tests."""

from __future__ import annotations

from django.urls import path

from djangobench import views

urlpatterns = [
    path("plaintext", views.plaintext),
    path("json", views.json),
    path("db", views.db),
    path("queries", views.queries),
    path("updates", views.updates),
    path("fortunes", views.fortunes),
    path("api/items/<int:item_id>", views.api),
    path("upload", views.upload),
]

"""The choices in the admin: a search, the question (a foreign key, joined), most votes first."""

from __future__ import annotations

from django.contrib import admin

from djangoadmin.models import Choice


@admin.register(Choice)
class ChoiceAdmin(admin.ModelAdmin):
    list_display = ("choice_text", "question", "votes")
    list_select_related = ("question",)
    search_fields = ("choice_text",)
    ordering = ("-votes",)

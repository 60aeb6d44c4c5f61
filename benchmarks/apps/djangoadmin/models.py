"""The polls tables (made and filled by the benchmark, so not managed by Django)."""

from __future__ import annotations

from _admin_common import CHOICE_TABLE, QUESTION_TABLE
from django.db import models


class Question(models.Model):
    question_text = models.CharField(max_length=200)
    pub_date = models.DateTimeField("date published")

    class Meta:
        db_table = QUESTION_TABLE
        managed = False

    def __str__(self) -> str:
        return self.question_text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE)
    choice_text = models.CharField(max_length=200)
    votes = models.IntegerField(default=0)

    class Meta:
        db_table = CHOICE_TABLE
        managed = False

    def __str__(self) -> str:
        return self.choice_text

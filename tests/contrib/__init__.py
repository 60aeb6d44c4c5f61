"""Tests of the batteries (``schooner.contrib``)."""

"""How ``schooner db`` runs this project's migrations (Alembic's ``env.py``).

Schooner opens the connection and passes the models' metadata; keyword arguments given to
``run_migrations`` go to Alembic's ``context.configure``, for example
``include_object=...`` to leave some tables alone.
"""

from schooner.contrib.migrations import run_migrations

run_migrations()

"""``schooner db shell``: the command line of the database's own client, from its URL.

``psql`` for PostgreSQL, ``mariadb`` (else ``mysql``) for MariaDB/MySQL, ``sqlite3`` for
SQLite. Passwords go through the client's environment variable (``PGPASSWORD``,
``MYSQL_PWD``), never the command line, which other users of the machine can read.
"""

from __future__ import annotations

import shutil

from sqlalchemy.engine import URL

from schooner.exceptions import ImproperlyConfigured

__all__ = ["client_command"]


def client_command(url: URL) -> tuple[list[str], dict[str, str]]:
    """The client's argv and the environment variables to add for ``url``.

    Raises:
        ImproperlyConfigured: no client is known for the URL's backend.
    """
    backend = url.get_backend_name()
    if backend == "sqlite":
        return ["sqlite3", url.database or ":memory:"], {}
    env: dict[str, str] = {}
    if backend == "postgresql":
        argv = ["psql", *_options(url, user="--username"), f"--dbname={url.database or ''}"]
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        return _drop_empty(argv), env
    if backend in ("mysql", "mariadb"):
        program = "mariadb" if shutil.which("mariadb") else "mysql"
        charset = str(url.query.get("charset", "utf8mb4"))
        argv = [program, *_options(url, user="--user"), f"--default-character-set={charset}"]
        if url.database:
            argv.append(f"--database={url.database}")
        if url.password:
            env["MYSQL_PWD"] = str(url.password)
        return argv, env
    raise ImproperlyConfigured(
        f"`schooner db shell` knows no client for {backend!r} databases; "
        "use psql, mariadb/mysql or sqlite3."
    )


def _options(url: URL, *, user: str) -> list[str]:
    options: list[str] = []
    if url.host:
        options.append(f"--host={url.host}")
    if url.port:
        options.append(f"--port={url.port}")
    if url.username:
        options.append(f"{user}={url.username}")
    return options


def _drop_empty(argv: list[str]) -> list[str]:
    return [arg for arg in argv if not arg.endswith("=")]

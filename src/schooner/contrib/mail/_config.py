"""``MailConfig``: every option of the ``Mail`` component, validated."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import ClassVar, Literal, TypedDict, get_args

import msgspec

from schooner.config import Secret
from schooner.contrib._config import ComponentConfig
from schooner.contrib.mail._address import parse_address
from schooner.contrib.mail.exceptions import InvalidMessage
from schooner.exceptions import ImproperlyConfigured

__all__ = ["BackendName", "MailConfig", "MailOptions"]

BackendName = Literal["smtp", "console", "file", "memory"]
"""The built-in backends: ``"smtp"`` delivers; ``"console"`` prints, ``"file"`` writes
``.eml`` files and ``"memory"`` keeps an outbox list, for development and tests."""

BACKENDS: tuple[str, ...] = get_args(BackendName)
_HOST = re.compile(r"[A-Za-z0-9.:\[\]_-]+")


class MailConfig(ComponentConfig, frozen=True, kw_only=True):
    """Where mail goes and who it is from: ``Mail(config=MailConfig(...))``.

    Every field is also an option of ``Mail``; as a settings block it is the
    ``[schooner.mail]`` table, and ``from_env()`` reads ``MAIL_<FIELD>`` variables
    (``MAIL_BACKEND=smtp``, ``MAIL_HOST``, ``MAIL_PASSWORD`` …).

    Attributes:
        backend: ``"console"`` (default: messages are printed), ``"smtp"``, ``"file"`` or
            ``"memory"``. A backend object of your own is given to ``Mail(...)`` in code.
        default_from: the sender of messages that name none (``"Site <noreply@example.com>"``).
        host: the SMTP server.
        port: its port; by default 465 with ``use_tls``, 587 with ``starttls``, else 25.
        username: the SMTP login; none when unset.
        password: its password (a secret: masked in logs and ``schooner settings``).
        starttls: ``True``: upgrade to TLS with STARTTLS and fail if the server cannot;
            ``None`` (default): upgrade when the server offers it; ``False``: never.
        use_tls: TLS from the first byte ("implicit TLS", port 465).
        timeout: seconds to wait for the connection and for each reply of the server.
        local_hostname: the name given in ``EHLO``; the machine's name by default.
        validate_certs: check the server's certificate; turn off only for a test server.
        ca_file: a PEM file of certificate authorities to trust instead of the system's
            (a company's own mail server).
        file_path: the folder of the file backend (required with ``backend="file"``).
        base_url: the site's address, ``https://example.com``; mail templates' ``url_for``
            makes absolute links from it (links in mail must be absolute). It is never taken
            from the request: a forged ``Host`` header would otherwise put an attacker's
            site in password-reset links.
        allow_dev_backends: allow ``"console"`` and ``"memory"`` in production. They deliver
            nothing, so production refuses them at startup unless this is set.
    """

    env_prefix: ClassVar[str] = "MAIL_"

    backend: BackendName = "console"
    default_from: str | None = None
    host: str = "localhost"
    port: int | None = None
    username: str | None = None
    password: Secret | None = None
    starttls: bool | None = None
    use_tls: bool = False
    timeout: float = 10.0
    local_hostname: str | None = None
    validate_certs: bool = True
    ca_file: str | None = None
    file_path: str | None = None
    base_url: str | None = None
    allow_dev_backends: bool = False

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ImproperlyConfigured(
                f"Mail: backend {self.backend!r} is not one of {', '.join(BACKENDS)}; a "
                "backend of your own is passed as an object: Mail(MyBackend())."
            )
        if self.default_from is not None:
            try:
                default_from = str(parse_address(self.default_from, field="default_from"))
            except InvalidMessage as exc:
                raise ImproperlyConfigured(f"Mail: {exc}") from None
            msgspec.structs.force_setattr(self, "default_from", default_from)
        if isinstance(self.password, str):
            msgspec.structs.force_setattr(self, "password", Secret(self.password))
        self._check_server()
        if self.backend == "file" and not self.file_path:
            raise ImproperlyConfigured(
                "Mail: the file backend needs file_path, the folder to write .eml files to "
                "(MAIL_FILE_PATH=sent-mail)."
            )
        if self.base_url is not None:
            base = self.base_url.rstrip("/")
            if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", base):
                raise ImproperlyConfigured(
                    f"Mail: base_url {self.base_url!r} is not an absolute http(s) address "
                    "such as 'https://example.com'."
                )
            msgspec.structs.force_setattr(self, "base_url", base)

    def _check_server(self) -> None:
        if not _HOST.fullmatch(self.host):
            raise ImproperlyConfigured(
                f"Mail: host {self.host!r} is not a host name or address (e.g. 'smtp.example.com')."
            )
        if self.port is not None and not 0 < self.port < 65536:
            raise ImproperlyConfigured(f"Mail: port must be 1 to 65535, not {self.port}.")
        if self.starttls and self.use_tls:
            raise ImproperlyConfigured(
                "Mail: starttls and use_tls exclude each other: use_tls=True for a server "
                "that speaks TLS from the start (port 465), starttls=True for one that "
                "upgrades a plain connection (port 587)."
            )
        if (self.password is not None) and self.username is None:
            raise ImproperlyConfigured(
                "Mail: a password is set but no username: set MAIL_USERNAME too."
            )
        if self.username is not None and not self.username:
            raise ImproperlyConfigured("Mail: username is empty; leave it unset for no login.")
        if not (self.timeout > 0 and math.isfinite(self.timeout)):
            raise ImproperlyConfigured(
                f"Mail: timeout must be a number of seconds above zero, not {self.timeout}."
            )
        if self.local_hostname is not None and not _HOST.fullmatch(self.local_hostname):
            raise ImproperlyConfigured(
                f"Mail: local_hostname {self.local_hostname!r} is not a host name."
            )
        if self.ca_file is not None and not Path(self.ca_file).is_file():
            raise ImproperlyConfigured(
                f"Mail: ca_file {self.ca_file!r} does not exist; give the path of a PEM file "
                "of certificate authorities."
            )


class MailOptions(TypedDict, total=False):
    """The keyword options of ``Mail(...)``: the fields of :class:`MailConfig`
    (``backend`` is its first parameter)."""

    default_from: str | None
    host: str
    port: int | None
    username: str | None
    password: Secret | str | None
    starttls: bool | None
    use_tls: bool
    timeout: float
    local_hostname: str | None
    validate_certs: bool
    ca_file: str | None
    file_path: str | None
    base_url: str | None
    allow_dev_backends: bool

"""Typed settings: one class, read explicitly from the environment, ``.env`` and TOML.

``Settings`` is a frozen ``msgspec.Struct``. Subclass it to add your own fields; every
field can then be set the same ways::

    class AppSettings(Settings, frozen=True):
        database_url: str = "sqlite+aiosqlite:///app.db"

    settings = AppSettings.load()  # explicit: importing schooner reads nothing

``load()`` merges, lowest precedence first: field defaults, a TOML file (``schooner.toml``,
table ``[schooner]``, then ``[schooner.<environment>]``), a ``.env`` file, environment
variables (``SCHOONER_<FIELD>``), and keyword overrides. Values are converted to the field's
type and a bad value is an :class:`ImproperlyConfigured` that names where it came from.

``check()`` (run when the app starts) refuses unsafe production settings: debug on, a
missing, short or well-known secret key, no allowed hosts.
"""

from __future__ import annotations

import hmac
import math
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal, Self, cast, get_args
from urllib.parse import urlsplit, urlunsplit

import msgspec

from schooner.exceptions import ImproperlyConfigured

__all__ = ["Environment", "Secret", "Settings"]

Environment = Literal["development", "test", "staging", "production"]
"""The environments Schooner knows; only ``production`` changes the safety checks."""

MIN_SECRET_LENGTH: Final = 32
_MASK: Final = "**********"
# Values copied from tutorials and templates; a production key must not be one of them.
_WELL_KNOWN_SECRETS: Final = frozenset(
    {"changeme", "change-me", "secret", "secret-key", "secretkey", "dev", "development",
     "insecure", "test", "password", "django-insecure", "your-secret-key"}
)  # fmt: skip


class Secret:
    """A string that does not show itself: ``repr``, ``str`` and ``schooner settings`` mask it.

    Read the value with :meth:`get_secret_value`. Comparison is constant-time.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"Secret() takes a str, not {type(value).__name__}.")
        self._value = value

    def get_secret_value(self) -> str:
        """Return the real value."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return hmac.compare_digest(self._value.encode(), other._value.encode())
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')" if self._value else "Secret('')"

    __str__ = __repr__


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """The settings every Schooner app has. Subclass with ``frozen=True`` to add your own.

    Attributes:
        environment: ``development``, ``test``, ``staging`` or ``production``.
        debug: show the debug error page (tracebacks); refused in production.
        secret_key: signs sessions and tokens; required in production (32+ characters).
        secret_key_fallbacks: previous secret keys, still accepted when verifying (so a
            key can be rotated without logging everybody out); never used to sign.
        allowed_hosts: host names the app answers to; required in production.
        trusted_origins: other origins (``fnmatch`` patterns such as
            ``https://*.example.com``) whose pages may open WebSockets that carry the app's
            cookies (and post to it, with ``CSRF``); the app's own origin always may.
        max_body_size: byte limit for JSON and urlencoded bodies (per route overridable).
        max_upload_size: byte limit for multipart bodies and streamed uploads.
        body_timeout: seconds a client may take to send a request body that is read whole
            (JSON, urlencoded forms, ``request.body()``), and the longest wait for each
            chunk of a streamed one (multipart uploads, ``request.stream()``); past it the
            request gets a 408.
    """

    environment: Environment = "development"
    debug: bool = False
    secret_key: Secret = msgspec.field(default_factory=lambda: Secret(""))
    secret_key_fallbacks: list[Secret] = msgspec.field(default_factory=list)
    allowed_hosts: list[str] = msgspec.field(default_factory=list)
    trusted_origins: list[str] = msgspec.field(default_factory=list)
    max_body_size: int = 1024 * 1024
    max_upload_size: int = 10 * 1024 * 1024
    body_timeout: float = 30.0

    def __post_init__(self) -> None:
        # Direct construction does not validate types; do the checks that matter here too.
        if isinstance(self.secret_key, str):
            msgspec.structs.force_setattr(self, "secret_key", Secret(self.secret_key))
        if any(isinstance(key, str) for key in self.secret_key_fallbacks):
            fallbacks = [Secret(k) if isinstance(k, str) else k for k in self.secret_key_fallbacks]
            msgspec.structs.force_setattr(self, "secret_key_fallbacks", fallbacks)
        if self.environment not in get_args(Environment):
            raise ImproperlyConfigured(
                f"Unknown environment {self.environment!r}; "
                f"use one of {', '.join(get_args(Environment))}."
            )
        for name in ("max_body_size", "max_upload_size"):
            if getattr(self, name) < 0:
                raise ImproperlyConfigured(f"{name} must be zero or more bytes.")
        if not (self.body_timeout > 0 and math.isfinite(self.body_timeout)):
            raise ImproperlyConfigured(
                f"body_timeout must be a number of seconds above zero, not {self.body_timeout}."
            )

    @property
    def is_production(self) -> bool:
        """Whether this is the production environment."""
        return self.environment == "production"

    # -- loading ------------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        *,
        env_prefix: str = "SCHOONER_",
        env_file: str | os.PathLike[str] | None = ".env",
        toml_file: str | os.PathLike[str] | None = "schooner.toml",
        toml_section: str = "schooner",
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Self:
        """Read settings from a TOML file, a ``.env`` file, the environment and overrides.

        Missing files are skipped. Later sources win: TOML, then ``.env``, then the real
        environment, then ``overrides``.

        Args:
            env_prefix: prefix of the variables (``SCHOONER_DEBUG`` sets ``debug``).
            env_file: a dotenv file, relative to the current directory; ``None`` to skip.
            toml_file: a TOML file; ``None`` to skip. Its ``[schooner]`` table holds
                settings and ``[schooner.production]`` (etc.) overrides them per environment.
            toml_section: the table to read in the TOML file.
            environ: the variables to read instead of ``os.environ`` (tests).
            **overrides: field values that win over every source.

        Raises:
            ImproperlyConfigured: a value cannot be converted, or a key is unknown.
        """
        fields = {f.name: f for f in msgspec.structs.fields(cls)}
        unknown = set(overrides) - set(fields)
        if unknown:
            raise ImproperlyConfigured(
                f"{cls.__name__} has no setting {', '.join(sorted(unknown))}."
            )
        variables = {**_read_env_file(env_file), **(os.environ if environ is None else environ)}
        from_env: dict[str, tuple[str, Any]] = {}
        for name, field in fields.items():
            key = env_prefix + name.upper()
            if key in variables:
                from_env[name] = (key, _from_text(variables[key], field.type))
        sources: dict[str, tuple[str, Any]] = {}
        env_name = overrides.get("environment", from_env.get("environment", (None, None))[1])
        for name, value in _read_toml(toml_file, toml_section, env_name, fields).items():
            sources[name] = (f"{toml_file} [{toml_section}] {name}", value)
        sources.update(from_env)
        sources.update({name: (f"{name}=", value) for name, value in overrides.items()})
        return cast("Self", _convert(cls, sources))

    # -- checks -------------------------------------------------------------------------------

    def check(self) -> None:
        """Refuse unsafe settings; run by the app at startup.

        Raises:
            ImproperlyConfigured: production with debug on, a missing, short or well-known
                secret key, or no allowed hosts.
        """
        if not self.is_production:
            return
        if self.debug:
            raise ImproperlyConfigured(
                "Debug mode is on in production: it shows tracebacks to anyone. "
                "Unset SCHOONER_DEBUG (or set it to false)."
            )
        key = self.secret_key.get_secret_value()
        if len(key) < MIN_SECRET_LENGTH or key.lower() in _WELL_KNOWN_SECRETS:
            raise ImproperlyConfigured(
                "Production needs a strong secret key: set SCHOONER_SECRET_KEY to a random "
                f"value of at least {MIN_SECRET_LENGTH} characters, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if not self.allowed_hosts:
            raise ImproperlyConfigured(
                "Production needs the host names the app answers to: set "
                'SCHOONER_ALLOWED_HOSTS (e.g. "example.com,www.example.com").'
            )

    def masked(self) -> dict[str, Any]:
        """Return the settings as plain data with secrets and URL passwords masked."""
        result: dict[str, Any] = {}
        for field in msgspec.structs.fields(self):
            value = getattr(self, field.name)
            result[field.name] = msgspec.to_builtins(value, enc_hook=_mask_hook)
            if isinstance(result[field.name], str) and _looks_secret(field.name):
                result[field.name] = _MASK if result[field.name] else ""
            elif isinstance(result[field.name], str):
                result[field.name] = _mask_url_password(result[field.name])
        return result


def _mask_hook(value: Any) -> Any:
    if isinstance(value, Secret):
        return _MASK if value else ""
    raise NotImplementedError(f"Cannot show a {type(value).__name__} setting.")


def _looks_secret(name: str) -> bool:
    return any(word in name for word in ("password", "secret", "token", "api_key"))


def _mask_url_password(value: str) -> str:
    if "://" not in value or "@" not in value:
        return value
    try:
        parts = urlsplit(value)
    except ValueError:
        return value
    if not parts.password:
        return value
    netloc = f"{parts.username or ''}:{_MASK}@{parts.hostname or ''}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _secret_hook(target: type, value: Any) -> Any:
    if isinstance(value, target):
        return value
    if target is Secret and isinstance(value, str):
        return Secret(value)
    raise NotImplementedError(f"Expected `{target.__name__}`")


def _convert(cls: type[Settings], sources: dict[str, tuple[str, Any]]) -> Any:
    data = {name: value for name, (_, value) in sources.items()}
    try:
        return msgspec.convert(data, cls, strict=False, dec_hook=_secret_hook)
    except msgspec.ValidationError as exc:
        message = str(exc)
        match = re.search(r"at `\$\.([A-Za-z_][A-Za-z0-9_]*)", message)
        origin = sources[match.group(1)][0] if match and match.group(1) in sources else ""
        where = f" (from {origin})" if origin else ""
        raise ImproperlyConfigured(f"Invalid setting{where}: {message}.") from None


def _is_collection(annotation: Any) -> bool:
    try:
        info = msgspec.inspect.type_info(annotation)
    except (TypeError, ValueError):
        return False
    if isinstance(info, msgspec.inspect.UnionType):
        return any(
            isinstance(t, msgspec.inspect.ListType | msgspec.inspect.SetType
                       | msgspec.inspect.VarTupleType | msgspec.inspect.DictType)
            for t in info.types
        )  # fmt: skip
    return isinstance(
        info,
        msgspec.inspect.ListType
        | msgspec.inspect.SetType
        | msgspec.inspect.VarTupleType
        | msgspec.inspect.DictType,
    )


def _from_text(text: str, annotation: Any) -> Any:
    """Turn a variable's text into data ``msgspec.convert`` can type-check.

    Lists accept JSON (``["a", "b"]``) or commas (``a,b``); mappings accept JSON.
    """
    if not _is_collection(annotation):
        return text
    stripped = text.strip()
    if stripped.startswith(("[", "{")):
        try:
            return msgspec.json.decode(stripped)
        except msgspec.DecodeError as exc:
            raise ImproperlyConfigured(f"Invalid JSON in setting value {text!r}: {exc}.")
    return [item.strip() for item in stripped.split(",") if item.strip()]


def _read_toml(
    path: str | os.PathLike[str] | None,
    section: str,
    environment: Any,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    if path is None or not Path(path).is_file():
        return {}
    try:
        with Path(path).open("rb") as file:
            document = tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:
        raise ImproperlyConfigured(f"{path} is not valid TOML: {exc}.")
    table = document.get(section, {})
    if not isinstance(table, dict):
        raise ImproperlyConfigured(f"[{section}] in {path} must be a table.")
    environments = set(get_args(Environment))
    base = {k: v for k, v in table.items() if k not in environments}
    env_name = environment if environment is not None else base.get("environment")
    if env_name in environments and isinstance(table.get(env_name), dict):
        base.update(table[env_name])
    unknown = set(base) - set(fields)
    if unknown:
        raise ImproperlyConfigured(
            f"Unknown setting {', '.join(sorted(unknown))} in [{section}] of {path}."
        )
    return base


_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def _read_env_file(path: str | os.PathLike[str] | None) -> dict[str, str]:
    """Parse a dotenv file: ``KEY=value``, quotes, ``export``, ``#`` comments."""
    if path is None or not Path(path).is_file():
        return {}
    values: dict[str, str] = {}
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match is None:
            raise ImproperlyConfigured(f"{path}, line {number}: expected KEY=value.")
        key, raw = match.groups()
        values[key] = _unquote(raw, f"{path}, line {number}")
    return values


def _unquote(raw: str, where: str) -> str:
    quote = raw[:1]
    if quote == "'":
        end = raw.find("'", 1)
        if end < 0:
            raise ImproperlyConfigured(f"{where}: unterminated quote.")
        return raw[1:end]
    if quote == '"':
        escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
        out: list[str] = []
        index = 1
        while index < len(raw):
            char = raw[index]
            if char == '"':
                return "".join(out)
            if char == "\\" and index + 1 < len(raw):
                index += 1
                char = escapes.get(raw[index], "\\" + raw[index])
            out.append(char)
            index += 1
        raise ImproperlyConfigured(f"{where}: unterminated quote.")
    comment = re.search(r"\s#", raw)
    return raw[: comment.start()].rstrip() if comment else raw

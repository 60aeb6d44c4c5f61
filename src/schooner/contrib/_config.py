"""``ComponentConfig``: the base of every battery's ``*Config``.

A battery's options live in one frozen ``msgspec.Struct`` (``SessionsConfig``,
``RateLimitConfig`` …), validated in ``__post_init__`` with :class:`ImproperlyConfigured`
messages that say how to fix a value. The component is built from it or from keyword
options, which are the same fields::

    Sessions(config=SessionsConfig(cookie_name="sid"))
    Sessions(cookie_name="sid")                        # the same
    Sessions(config=settings.sessions, max_age=3600)   # keywords win over the config

A config is read three ways, all explicit: built in code; as a block of the project's
settings (a field ``sessions: SessionsConfig`` of a ``Settings`` subclass, filled from the
``[schooner.sessions]`` table of ``schooner.toml``); or from environment variables with
:meth:`ComponentConfig.from_env` (``SESSIONS_COOKIE_NAME`` …), like ``DatabaseConfig``.
Options that are objects (a backend, a key function) are set in code only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import msgspec

from schooner.config import Secret
from schooner.exceptions import ImproperlyConfigured

__all__ = ["ComponentConfig"]

_SCALARS = (
    msgspec.inspect.StrType,
    msgspec.inspect.IntType,
    msgspec.inspect.FloatType,
    msgspec.inspect.BoolType,
    msgspec.inspect.LiteralType,
)
_COLLECTIONS = (
    msgspec.inspect.ListType,
    msgspec.inspect.VarTupleType,
    msgspec.inspect.SetType,
    msgspec.inspect.FrozenSetType,
    msgspec.inspect.DictType,
)


class ComponentConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base class of the batteries' configs: validated, frozen, readable from the environment.

    Subclasses declare their options as fields (with defaults), check them in
    ``__post_init__`` and set :attr:`env_prefix`. Unknown keys in a settings block are an
    error, not silently ignored.
    """

    env_prefix: ClassVar[str] = ""
    """The default prefix of :meth:`from_env` (``"SESSIONS_"``)."""

    @classmethod
    def from_env(
        cls,
        prefix: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Self:
        """Read ``<prefix><FIELD>`` variables from the environment, now.

        Every field whose type can be written as text can be set: strings, numbers,
        booleans, choices, secrets, and lists (JSON, or comma-separated) or mappings
        (JSON). An empty value sets an optional field to ``None``. Keyword ``overrides``
        win over the environment; fields that take objects (a backend, a function) are set
        that way only.

        Args:
            prefix: the variables' prefix; the class's :attr:`env_prefix` by default.
            environ: variables to read instead of ``os.environ`` (tests).

        Raises:
            ImproperlyConfigured: a variable has a value of the wrong type, or a value that
                fails the config's checks.
        """
        prefix = cls.env_prefix if prefix is None else prefix
        variables = os.environ if environ is None else environ
        data: dict[str, Any] = {}
        names: dict[str, str] = {}
        for field in msgspec.structs.fields(cls):
            key = prefix + field.name.upper()
            kind = _text_kind(field.type)
            if kind is None or key not in variables:
                continue
            names[field.name] = key
            data[field.name] = _from_text(variables[key], kind, key)
        data.update(overrides)
        try:
            return msgspec.convert(data, cls, strict=False, dec_hook=_decode_secret)
        except msgspec.ValidationError as exc:
            found = re.search(r"at `\$\.([A-Za-z_][A-Za-z0-9_]*)", str(exc))
            where = names.get(found.group(1), "") if found else ""
            raise ImproperlyConfigured(
                f"Bad {cls.__name__} setting{f' {where}' if where else ''}: {exc}. "
                "Fix the environment variable."
            ) from None

    @classmethod
    def build(cls, config: Self | None, options: Mapping[str, Any], *, owner: str) -> Self:
        """The config a component is built from: ``config`` (or the defaults) with
        ``options`` applied, validated once.

        Args:
            config: a config given as ``config=``, or ``None``.
            options: keyword options given to the component; they win over ``config``.
            owner: the component's class name, for error messages.

        Raises:
            ImproperlyConfigured: an option is unknown or fails the config's checks.
        """
        fields = [f.name for f in msgspec.structs.fields(cls)]
        unknown = sorted(set(options) - set(fields))
        if unknown:
            raise ImproperlyConfigured(
                f"{owner}() has no option {', '.join(unknown)}; its options are the fields of "
                f"{cls.__name__}: {', '.join(fields)}."
            )
        if config is not None and not isinstance(config, cls):
            raise ImproperlyConfigured(
                f"{owner}(config=...) takes a {cls.__name__}, not {type(config).__name__}."
            )
        if not options and config is not None:
            return config
        values = msgspec.structs.asdict(config) if config is not None else {}
        values.update(options)
        return cls(**values)


def _text_kind(annotation: Any) -> str | None:
    """How a field's value is written in a variable: ``"scalar"``, ``"collection"`` or
    ``None`` (not writable as text)."""
    info = msgspec.inspect.type_info(annotation)
    types = info.types if isinstance(info, msgspec.inspect.UnionType) else (info,)
    kinds = set()
    for item in types:
        if isinstance(item, msgspec.inspect.NoneType):
            continue
        if isinstance(item, _SCALARS) or _is_secret(item):
            kinds.add("scalar")
        elif isinstance(item, _COLLECTIONS) and _plain_items(item):
            kinds.add("collection")
        else:
            return None
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    return f"optional {kind}" if len(types) > 1 else kind


def _is_secret(info: msgspec.inspect.Type) -> bool:
    return isinstance(info, msgspec.inspect.CustomType) and info.cls is Secret


def _plain_items(info: msgspec.inspect.Type) -> bool:
    inner = [getattr(info, "item_type", None), getattr(info, "value_type", None)]
    for item in inner:
        if item is None:
            continue
        options = item.types if isinstance(item, msgspec.inspect.UnionType) else (item,)
        if not all(
            isinstance(o, (*_SCALARS, msgspec.inspect.NoneType)) or _is_secret(o) for o in options
        ):
            return False
    return True


def _from_text(text: str, kind: str, key: str) -> Any:
    if kind.startswith("optional ") and not text.strip():
        return None
    if not kind.endswith("collection"):
        return text
    stripped = text.strip()
    if stripped.startswith(("[", "{")):
        try:
            return msgspec.json.decode(stripped)
        except msgspec.DecodeError as exc:
            raise ImproperlyConfigured(f"{key} is not valid JSON: {exc}.") from None
    return [item.strip() for item in stripped.split(",") if item.strip()]


def _decode_secret(target: type, value: Any) -> Any:
    if target is Secret and isinstance(value, str):
        return Secret(value)
    raise NotImplementedError(f"Expected `{target.__name__}`")

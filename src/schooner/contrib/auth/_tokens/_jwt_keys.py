"""``JWTKeys``: the keys that sign and verify the app's JWTs, named by ``kid``.

Only the configured algorithm is accepted, and only keys whose ``kid`` is configured, so a
key rotates by listing a new one, signing with it, and removing the old one once its
tokens have expired. Without ``jwt_keys``, one HMAC key is derived from the app's secret
key (never the secret key itself), with ``kid`` ``"default"``; tokens signed before a
secret-key rotation verify through ``secret_key_fallbacks``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from schooner.contrib.auth._config import AuthConfig
from schooner.contrib.auth.exceptions import InvalidToken
from schooner.exceptions import ImproperlyConfigured, MissingDependency

try:
    import jwt
except ImportError:  # pragma: no cover - exercised without the extra
    raise MissingDependency("PyJWT", "auth") from None

__all__ = ["JWTKeys", "looks_like_jwt"]

# Three base64url parts (RFC 7515 §7.1, compact serialisation); the signature may be empty
# for "alg": "none", which is recognised as a JWT so that it can be refused as one.
_JWT_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# Far above any token this module makes; longer input is refused before it is decoded.
_MAX_TOKEN_LENGTH: Final = 4096
# Clock skew allowed between the instance that made a token and the one reading it
# (RFC 7519 §4.1.4 allows "some small leeway").
_LEEWAY: Final = 30
_DEFAULT_KID: Final = "default"
_ACCOUNT_ID: Final = re.compile(r"[1-9][0-9]{0,17}")  # fits a signed 64-bit column
_TOKEN_ID: Final = re.compile(r"[A-Za-z0-9_-]{16,64}")
_KIND_NAMES: Final = {"access": "an access token", "refresh": "a refresh token"}


def looks_like_jwt(token: str) -> bool:
    """Whether ``token`` has the shape of a JWT (three dot-separated base64url parts)."""
    return len(token) <= _MAX_TOKEN_LENGTH and _JWT_SHAPE.fullmatch(token) is not None


class JWTKeys:
    """Signs and verifies the app's JWTs with keys named by ``kid``.

    Build it with :meth:`from_config`. Only the configured algorithm is accepted, so
    ``"alg": "none"`` and algorithm-confusion tokens (an HMAC token "signed" with a public
    key) are refused.

    Args:
        algorithm: the JWS algorithm (``"HS256"`` …).
        signing_kid: the key id new tokens carry.
        signing_key: the key that signs (a secret, or a private key object).
        verifying: key id -> the keys that may have signed a token with that id.
        issuer: the ``iss`` claim to set and require, or ``None``.
        audience: the ``aud`` claim to set and require, or ``None``.
    """

    def __init__(
        self,
        *,
        algorithm: str,
        signing_kid: str,
        signing_key: Any,
        verifying: Mapping[str, Sequence[Any]],
        issuer: str | None = None,
        audience: str | None = None,
    ) -> None:
        self.algorithm = algorithm
        self.signing_kid = signing_kid
        self._signing_key = signing_key
        self._verifying = {kid: tuple(keys) for kid, keys in verifying.items()}
        self.issuer = issuer
        self.audience = audience

    @classmethod
    def from_config(cls, config: AuthConfig, secret_keys: Sequence[str]) -> JWTKeys:
        """The keys ``config`` describes; ``secret_keys`` (the app's, newest first) derive
        the default key when ``jwt_keys`` is unset.

        Raises:
            ImproperlyConfigured: a key is not a key of the algorithm's kind, the signing
                key is a public key, or ``RS256``/``ES256`` without ``cryptography``.
        """
        algorithm = config.jwt_algorithm
        claims = {"issuer": config.jwt_issuer, "audience": config.jwt_audience}
        if config.jwt_keys is None:
            derived = [_derive(key, algorithm) for key in secret_keys]
            return cls(
                algorithm=algorithm,
                signing_kid=_DEFAULT_KID,
                signing_key=derived[0],
                verifying={_DEFAULT_KID: derived},
                **claims,
            )
        loaded = {
            kid: _load_key(algorithm, kid, secret.get_secret_value())
            for kid, secret in config.jwt_keys.items()
        }
        signing_kid = config.jwt_signing_kid or next(iter(loaded))
        signing_key = loaded[signing_kid]
        if not algorithm.startswith("HS") and not hasattr(signing_key, "public_key"):
            raise ImproperlyConfigured(
                f"Auth: jwt_keys[{signing_kid!r}] signs new tokens, so it must be a private "
                "key; a public key can only verify the tokens of an older key."
            )
        verifying = {kid: [_public(key)] for kid, key in loaded.items()}
        return cls(
            algorithm=algorithm,
            signing_kid=signing_kid,
            signing_key=signing_key,
            verifying=verifying,
            **claims,
        )

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWT of ``claims`` (plus ``iss``/``aud`` when configured), signed with
        the signing key and carrying its ``kid``."""
        payload = dict(claims)
        if self.issuer is not None:
            payload["iss"] = self.issuer
        if self.audience is not None:
            payload["aud"] = self.audience
        return jwt.encode(
            payload, self._signing_key, algorithm=self.algorithm, headers={"kid": self.signing_kid}
        )

    def verify(self, token: str, *, typ: str | tuple[str, ...]) -> dict[str, Any]:
        """The claims of ``token`` once its signature, expiry, type and claims check out.

        Raises:
            InvalidToken: malformed, unknown ``kid``, another algorithm, a bad signature,
                expired, not yet valid, the wrong type, issuer or audience.
        """
        if not looks_like_jwt(token):
            raise InvalidToken("The token is not a JWT.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("The token is not a valid JWT.") from None
        kid = header.get("kid")
        keys = self._verifying.get(kid) if isinstance(kid, str) else None
        if keys is None:
            raise InvalidToken("The token was signed with a key this app does not know.")
        if header.get("alg") != self.algorithm:
            raise InvalidToken(f"The token must be signed with {self.algorithm}.")
        claims = self._decode(token, keys)
        kinds = (typ,) if isinstance(typ, str) else typ
        if claims.get("typ") not in kinds:
            raise InvalidToken(f"This is not {_KIND_NAMES.get(kinds[0], 'a valid token')}.")
        # The claims are ours (the signature says so), but a leaked key must not turn into
        # odd database queries either: ids have one shape.
        subject = claims.get("sub")
        if not isinstance(subject, str) or not _ACCOUNT_ID.fullmatch(subject):
            raise InvalidToken("The token's subject is not an account id.")
        for name in ("jti", "fam"):
            if not isinstance(claims.get(name), str) or not _TOKEN_ID.fullmatch(claims[name]):
                raise InvalidToken(f"The token's {name} claim is missing or malformed.")
        if not isinstance(claims.get("scope", ""), str):
            raise InvalidToken("The token's scope claim is not a string.")
        return claims

    def _decode(self, token: str, keys: tuple[Any, ...]) -> dict[str, Any]:
        for key in keys:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    key,
                    algorithms=[self.algorithm],
                    issuer=self.issuer,
                    audience=self.audience,
                    leeway=_LEEWAY,
                    options={"require": ["exp", "iat", "sub", "jti", "fam", "typ"]},
                )
            except jwt.InvalidSignatureError:
                continue  # another key of the same kid (a secret-key fallback) may match
            except jwt.ExpiredSignatureError:
                raise InvalidToken("The token has expired.") from None
            except jwt.PyJWTError as exc:
                raise InvalidToken(f"The token is not valid: {exc}.") from None
            return claims
        raise InvalidToken("The token's signature is not valid.")


def _derive(secret_key: str, algorithm: str) -> bytes:
    """An HMAC key for JWTs derived from the app's secret key (HMAC as a PRF, with a label
    of its own): a leaked JWT key then says nothing of the key that signs sessions."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
    label = b"schooner.auth.jwt-signing-key"
    return hmac.new(secret_key.encode(), label, digest[algorithm]).digest()


def _load_key(algorithm: str, kid: str, value: str) -> Any:
    if algorithm.startswith("HS"):
        return value.encode()
    try:
        kind = jwt.get_algorithm_by_name(algorithm)
    except NotImplementedError:
        raise ImproperlyConfigured(
            f"Auth: jwt_algorithm {algorithm!r} needs the 'cryptography' package: "
            "pip install 'PyJWT[crypto]'."
        ) from None
    try:
        key = kind.prepare_key(value)
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise ImproperlyConfigured(
            f"Auth: jwt_keys[{kid!r}] is not a usable PEM key for {algorithm}: {exc}"
        ) from None
    public = _public(key)
    if algorithm == "RS256" and getattr(public, "key_size", 0) < 2048:
        raise ImproperlyConfigured(
            f"Auth: jwt_keys[{kid!r}] is an RSA key of {getattr(public, 'key_size', '?')} bits; "
            "RS256 needs 2048 bits or more."
        )
    if algorithm == "ES256" and getattr(getattr(public, "curve", None), "name", "") != "secp256r1":
        raise ImproperlyConfigured(
            f"Auth: jwt_keys[{kid!r}] must be an EC key on the P-256 curve (secp256r1) for ES256."
        )
    return key


def _public(key: Any) -> Any:
    """The key that verifies: a private key's public half, else the key itself."""
    return key.public_key() if hasattr(key, "public_key") else key

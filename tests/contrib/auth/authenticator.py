"""A software WebAuthn authenticator: real P-256 keys, real CBOR and signatures.

It answers the options the app sends the way a browser and a platform authenticator would
(attestation ``none``, a discoverable credential, user verification), so registration and
sign-in are tested through the test client without a browser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40  # authenticator data flags (WebAuthn §6.1)


def b64url(data: bytes) -> str:
    """Unpadded base64url, as WebAuthn's JSON uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    """Decode unpadded base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Passkey:
    """One credential the authenticator holds."""

    credential_id: bytes
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


@dataclass
class SoftAuthenticator:
    """Makes and uses passkeys like a phone or a laptop would.

    Args:
        origin: the page's origin the browser reports in ``clientDataJSON``.
        user_verified: whether the user passes the fingerprint/PIN check.
        counts: whether the authenticator increments its signature counter (synced
            passkeys keep it at 0).
    """

    origin: str = "http://testserver"
    user_verified: bool = True
    counts: bool = True
    passkeys: list[Passkey] = field(default_factory=list)

    def create(self, options: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        """The answer to ``navigator.credentials.create({publicKey: options})``.

        ``overrides`` change what goes into the answer (``origin``, ``rp_id``,
        ``challenge``, ``type``, ``credential_id``) to play a forged or misdirected one.
        """
        rp_id = overrides.get("rp_id", options["rp"]["id"])
        passkey = Passkey(
            credential_id=overrides.get("credential_id", secrets.token_bytes(32)),
            key=ec.generate_private_key(ec.SECP256R1()),
            rp_id=rp_id,
            user_handle=unb64url(options["user"]["id"]),
        )
        numbers = passkey.key.public_key().public_numbers()
        cose_key = {
            1: 2,  # kty: EC2
            3: -7,  # alg: ES256
            -1: 1,  # crv: P-256
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        }
        attested = (
            bytes(16)  # AAGUID: none
            + struct.pack(">H", len(passkey.credential_id))
            + passkey.credential_id
            + cbor2.dumps(cose_key)
        )
        auth_data = self._auth_data(rp_id, AT, 0) + attested
        client_data = self._client_data("webauthn.create", options["challenge"], overrides)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        self.passkeys.append(passkey)
        return {
            "id": b64url(passkey.credential_id),
            "rawId": b64url(passkey.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
        }

    def get(
        self, options: dict[str, Any], passkey: Passkey | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """The answer to ``navigator.credentials.get({publicKey: options})``, signed by
        ``passkey`` (by default the allowed one, or the last made for the rp id)."""
        if passkey is None:
            allowed = {unb64url(c["id"]) for c in options.get("allowCredentials", [])}
            candidates = [
                p
                for p in self.passkeys
                if p.rp_id == options["rpId"] and (not allowed or p.credential_id in allowed)
            ]
            passkey = candidates[-1]
        if self.counts:
            passkey.sign_count += 1
        rp_id = overrides.get("rp_id", options["rpId"])
        auth_data = self._auth_data(rp_id, 0, passkey.sign_count)
        client_data = self._client_data("webauthn.get", options["challenge"], overrides)
        signature = passkey.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        response: dict[str, Any] = {
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if overrides.get("user_handle", True):
            response["userHandle"] = b64url(passkey.user_handle)
        return {
            "id": b64url(passkey.credential_id),
            "rawId": b64url(passkey.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": response,
        }

    def _auth_data(self, rp_id: str, extra_flags: int, count: int) -> bytes:
        flags = UP | (UV if self.user_verified else 0) | extra_flags
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", count)

    def _client_data(self, kind: str, challenge: str, overrides: dict[str, Any]) -> bytes:
        data = {
            "type": overrides.get("type", kind),
            "challenge": overrides.get("challenge", challenge),
            "origin": overrides.get("origin", self.origin),
            "crossOrigin": False,
        }
        return json.dumps(data).encode()

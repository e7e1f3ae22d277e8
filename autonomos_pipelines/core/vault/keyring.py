"""Authenticated encryption of tenant secrets: AES-256-GCM from `cryptography`.

``AUTONOMOS_SECRET_KEY`` holds one or more keys (url-safe base64 of 32 random bytes),
comma-separated. The first key encrypts; every listed key decrypts, which is how a key is
rotated: put the new key first, run ``autonomos secrets rotate-key``, then drop the old one.
Each ciphertext is bound to its tenant, connector and secret name as associated data, so a
value copied onto another tenant's row does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from autonomos_pipelines.core.errors import AutonomosError, ConfigError
from autonomos_pipelines.core.tenant_id import TenantId

KEY_ENV = "AUTONOMOS_SECRET_KEY"


class SecretUnreadable(AutonomosError):
    """A stored secret cannot be decrypted with the configured keys."""


@dataclass(frozen=True)
class Sealed:
    key_id: str
    nonce: bytes
    ciphertext: bytes


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def key_id(key: bytes) -> str:
    """A public name for a key (a hash prefix): tells which key sealed a row."""
    return hashlib.sha256(b"autonomos-key-id" + key).hexdigest()[:12]


def _context(tenant_id: TenantId, connector: str, name: str) -> bytes:
    return "\x1f".join((tenant_id, connector, name)).encode()


class Keyring:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ConfigError(f"{KEY_ENV} holds no key")
        self._keys = {key_id(key): key for key in keys}
        self.current = key_id(keys[0])

    @classmethod
    def parse(cls, text: str | None) -> Keyring | None:
        """The keys of AUTONOMOS_SECRET_KEY (comma-separated, the first one seals); None when
        no key is configured (nothing can be stored or read then)."""
        raw = (text or "").strip()
        if not raw:
            return None
        keys = []
        for position, text in enumerate(raw.split(","), start=1):
            try:
                key = base64.urlsafe_b64decode(text.strip().encode())
            except (binascii.Error, ValueError):
                key = b""
            if len(key) != 32:  # never echo the text: it is (or was meant to be) a key
                raise ConfigError(
                    f"{KEY_ENV}: key {position} is not url-safe base64 of 32 bytes; "
                    "generate one with `autonomos secrets generate-key`"
                )
            keys.append(key)
        return cls(keys)

    def seal(self, value: str, tenant_id: TenantId, connector: str, name: str) -> Sealed:
        nonce = os.urandom(12)
        cipher = AESGCM(self._keys[self.current])
        data = cipher.encrypt(nonce, value.encode(), _context(tenant_id, connector, name))
        return Sealed(self.current, nonce, data)

    def open(self, sealed: Sealed, tenant_id: TenantId, connector: str, name: str) -> str:
        where = f"secret {name!r} of {tenant_id}/{connector}"
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise SecretUnreadable(
                f"{where} was sealed with key {sealed.key_id}, which {KEY_ENV} does not hold"
            )
        try:
            context = _context(tenant_id, connector, name)
            return AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, context).decode()
        except InvalidTag:
            raise SecretUnreadable(
                f"{where} failed authentication: altered, or moved from another tenant"
            ) from None

    def __repr__(self) -> str:
        return f"Keyring({len(self._keys)} keys, current {self.current})"

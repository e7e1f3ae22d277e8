"""Tenant secrets in Postgres, sealed by the keyring; every write and every read is audited
(the audit row names the secret, never its value)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.audit import audit
from autonomos_pipelines.core.database import admin_session, session, tenant_session
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.naming import validate_connector_name
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.vault.keyring import KEY_ENV, Keyring, Sealed


@dataclass(frozen=True)
class StoredSecret:
    tenant_id: TenantId
    connector: str
    name: str
    key_id: str
    updated_at: datetime


class SecretStore:
    def __init__(self, engine: Engine, keyring: Keyring | None) -> None:
        self.engine = engine
        self.keyring = keyring

    @classmethod
    def for_settings(cls, settings: Settings) -> SecretStore:
        from autonomos_pipelines.core.database import migrated_engine

        return cls(migrated_engine(settings), Keyring.parse(settings.secret_key))

    def _require_keyring(self) -> Keyring:
        if self.keyring is None:
            raise ConfigError(
                f"{KEY_ENV} is not set: secrets cannot be sealed or opened; generate a key "
                "with `autonomos secrets generate-key`"
            )
        return self.keyring

    def set(self, tenant_id: TenantId, connector: str, name: str, value: str, actor: str) -> None:
        validate_connector_name(connector)
        if not value:
            raise ConfigError(f"secret {name!r} of {tenant_id}/{connector}: the value is empty")
        sealed = self._require_keyring().seal(value, tenant_id, connector, name)
        with tenant_session(self.engine, tenant_id) as db:
            db.execute(
                sa.text(
                    "INSERT INTO tenant_secrets (tenant_id, connector, name, key_id, nonce, "
                    "ciphertext) VALUES (:t, :c, :n, :k, :nonce, :data) "
                    "ON CONFLICT (tenant_id, connector, name) DO UPDATE SET key_id = :k, "
                    "nonce = :nonce, ciphertext = :data, updated_at = now()"
                ),
                {"t": tenant_id, "c": connector, "n": name, "k": sealed.key_id,
                 "nonce": sealed.nonce, "data": sealed.ciphertext},
            )  # fmt: skip
            audit(db, actor, "secret.set", tenant_id, "secret", f"{connector}.{name}",
                  new={"key_id": sealed.key_id})  # fmt: skip

    def delete(self, tenant_id: TenantId, connector: str, name: str, actor: str) -> bool:
        with tenant_session(self.engine, tenant_id) as db:
            gone = db.execute(
                sa.text(
                    "DELETE FROM tenant_secrets WHERE tenant_id = :t AND connector = :c "
                    "AND name = :n"
                ),
                {"t": tenant_id, "c": connector, "n": name},
            ).rowcount
            if gone:
                audit(db, actor, "secret.delete", tenant_id, "secret", f"{connector}.{name}")
        return bool(gone)

    def list(self, tenant_id: TenantId | None = None) -> list[StoredSecret]:
        with session(self.engine, tenant_id) as db:
            rows = db.execute(
                sa.text(
                    "SELECT tenant_id, connector, name, key_id, updated_at FROM tenant_secrets "
                    "WHERE CAST(:t AS text) IS NULL OR tenant_id = :t "
                    "ORDER BY tenant_id, connector, name"
                ),
                {"t": tenant_id},
            ).all()
        return [StoredSecret(*row) for row in rows]

    def reveal_all(self, tenant_id: TenantId, connector: str, actor: str) -> dict[str, str]:
        """Every secret of one tenant's connector, decrypted, for a run; one audit row."""
        if not _has_secrets_table(self.engine):  # a registry not migrated yet stores nothing
            return {}
        with tenant_session(self.engine, tenant_id) as db:
            rows = db.execute(
                sa.text(
                    "SELECT name, key_id, nonce, ciphertext FROM tenant_secrets "
                    "WHERE tenant_id = :t AND connector = :c ORDER BY name"
                ),
                {"t": tenant_id, "c": connector},
            ).all()
            if not rows:
                return {}
            keyring = self._require_keyring()
            values = {
                name: keyring.open(Sealed(key, bytes(nonce), bytes(data)), tenant_id, connector,
                                   name)
                for name, key, nonce, data in rows
            }  # fmt: skip
            audit(db, actor, "secret.read", tenant_id, "secret", connector,
                  new={"names": sorted(values)})  # fmt: skip
        return values

    def rotate(self, actor: str) -> int:
        """Re-seal every secret not sealed with the current key; returns how many."""
        keyring = self._require_keyring()
        with admin_session(self.engine) as db:  # every tenant's secrets, one key change
            rows = db.execute(
                sa.text(
                    "SELECT tenant_id, connector, name, key_id, nonce, ciphertext "
                    "FROM tenant_secrets WHERE key_id <> :k FOR UPDATE"
                ),
                {"k": keyring.current},
            ).all()
            for tenant_id, connector, name, key, nonce, data in rows:
                value = keyring.open(Sealed(key, bytes(nonce), bytes(data)), tenant_id,
                                     connector, name)  # fmt: skip
                sealed = keyring.seal(value, tenant_id, connector, name)
                db.execute(
                    sa.text(
                        "UPDATE tenant_secrets SET key_id = :k, nonce = :nonce, "
                        "ciphertext = :data, updated_at = now() WHERE tenant_id = :t "
                        "AND connector = :c AND name = :n"
                    ),
                    {"k": sealed.key_id, "nonce": sealed.nonce, "data": sealed.ciphertext,
                     "t": tenant_id, "c": connector, "n": name},
                )  # fmt: skip
                audit(db, actor, "secret.rotate", tenant_id, "secret", f"{connector}.{name}",
                      old={"key_id": key}, new={"key_id": sealed.key_id})  # fmt: skip
        return len(rows)


def _has_secrets_table(engine: Engine) -> bool:
    with admin_session(engine) as db:
        return bool(
            db.execute(sa.text("SELECT to_regclass('tenant_secrets') IS NOT NULL")).scalar()
        )

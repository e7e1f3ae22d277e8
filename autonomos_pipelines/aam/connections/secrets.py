"""Connector secrets at run time: values that never show themselves, the names a spec refers
to, and the environment-variable fallback (AUTONOMOS_SECRET_<TENANT>_<CONNECTOR>_<NAME>)."""

from __future__ import annotations

import re
from typing import Any

from autonomos_pipelines.aam.specs.spec_model import AnySpec
from autonomos_pipelines.core.settings import SECRET_PREFIX, secret_from_env
from autonomos_pipelines.core.tenant_id import TenantId


class Secret:
    """A credential value that never shows itself in repr, str, logs or metadata."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def secret_env_var(tenant_id: TenantId, connector: str, key: str) -> str:
    return SECRET_PREFIX + "_".join(
        re.sub(r"[^A-Z0-9]", "_", part.upper()) for part in (tenant_id, connector, key)
    )


def env_secrets(tenant_id: TenantId, connector: str, keys: set[str]) -> dict[str, Secret]:
    found = {}
    for key in keys:
        value = secret_from_env(secret_env_var(tenant_id, connector, key))
        if value:
            found[key] = Secret(value)
    return found


def secret_keys(spec: AnySpec) -> set[str]:
    """Every secret name a spec refers to."""
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if set(node) == {"secret"}:
                keys.add(node["secret"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec.model_dump(exclude={"sandbox"}, exclude_none=True))
    return keys

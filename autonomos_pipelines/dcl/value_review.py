"""Value mappings as the CLI and the HTTP API share them: one field's value map with what
the last pass saw, and decisions confined to what the deciding tenant can see."""

from __future__ import annotations

from dataclasses import dataclass

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.refs import FieldRef, PermissionDenied
from autonomos_pipelines.dcl.registry.source_values import values_seen
from autonomos_pipelines.dcl.registry.value_checks import mapped_enumeration
from autonomos_pipelines.dcl.registry.value_refs import ValueMapping
from autonomos_pipelines.dcl.registry.value_workflow import ValueWorkflow


@dataclass(frozen=True)
class FieldValues:
    """A source field's value map: the enumeration it feeds, the active value mappings, the
    proposals waiting, and each value the last pass saw (rows holding it, and its state:
    canonical, mapped, in review or unknown - unknown ones are kept as sent)."""

    target: str
    canonical_values: tuple[str, ...]
    active: list[ValueMapping]
    pending: list[dict]
    seen: list[tuple[str, int, str]]


def field_values(flow: ValueWorkflow, ref: FieldRef) -> FieldValues:
    """The value map of ``ref`` for its tenant (its own and inherited value mappings)."""
    target = mapped_enumeration(flow.registry, ref)
    key = (ref.connector, ref.source_table.lower(), ref.source_field)
    active = flow.store.applying(ref.tenant_id).get(key, {})
    pending = [
        row for row in flow.store.pending(ref.tenant_id)
        if (row["connector"], row["source_table"].lower(), row["source_field"]) == key
    ]  # fmt: skip
    waiting = {row["source_value"] for row in pending}

    def state(value: str) -> str:
        if value in target.values:
            return "canonical"
        return "mapped" if value in active else "in review" if value in waiting else "unknown"

    seen = [(value, rows, state(value)) for value, rows in values_seen(flow.engine, ref)]
    return FieldValues(
        f"{target.entity}.{target.name}",
        target.values,
        [active[value] for value in sorted(active)],
        pending,
        seen,
    )


def decide_value(  # noqa: PLR0913
    flow: ValueWorkflow,
    value_id: int,
    actor: str,
    verb: str,
    within: TenantId | None,
    global_allowed: bool = True,
    reason: str = "",
) -> dict:
    """Approve or reject a value-mapping proposal that ``within`` (None: the operator) can
    see; one of the global baseline only when ``global_allowed``."""
    row = flow.store.get(value_id, within)  # UnknownMapping when RLS hides it from `within`
    if row["tenant_id"] is None and not global_allowed:
        raise PermissionDenied(
            f"value mapping v{value_id} belongs to the global baseline every tenant inherits: "
            "deciding on it needs an all-tenant admin (scope 'admin' over HTTP)"
        )
    if verb == "approve":
        return flow.approve(value_id, actor)
    return flow.reject(value_id, actor, reason)

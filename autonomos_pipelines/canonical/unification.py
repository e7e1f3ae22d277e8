"""Unify one entity of one tenant in its warehouse: read the canonical rows, link them, and
replace the crosswalk, the golden records and the retired ids. The pairs a person should
decide come back to the caller, which keeps them in the registry's review queue.

The tenant's own unified schema keeps what must survive a run: last run's crosswalk (so ids
stay put) and every id ever retired (so no number is given out twice)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from autonomos_pipelines.canonical.unified_sql import golden_select, records_select
from autonomos_pipelines.core.naming import quote_ident
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.model.canonical_model import CanonicalEntity
from autonomos_pipelines.dcl.unify.calibration import Calibration
from autonomos_pipelines.dcl.unify.features import company_lines
from autonomos_pipelines.dcl.unify.model import (
    Decision,
    RecordKey,
    ScoredPair,
    Survivorship,
    Thresholds,
)
from autonomos_pipelines.dcl.unify.run import UnifyResult, unify_entity
from autonomos_pipelines.warehouse.store import WarehouseSession

ID_PREFIX = {"account": "acc", "contact": "con"}


@dataclass(frozen=True)
class Unified:
    """What one entity's unification produced, for metadata and checks."""

    records: int
    entities: int
    cluster_sizes: dict[int, int]
    pairs_scored: int
    weights: str  # what of the match weights was estimated from the tenant's records
    retired: dict[str, str] = field(default_factory=dict)
    pending: tuple[ScoredPair, ...] = ()  # between the thresholds, most probable first
    calibration: Calibration | None = None  # what reviewers' verdicts say of the threshold

    @property
    def review_pairs(self) -> int:
        return len(self.pending)

    @property
    def share_unified(self) -> float:
        """Records in an entity with more than one member."""
        linked = sum(size * count for size, count in self.cluster_sizes.items() if size > 1)
        return linked / self.records if self.records else 0.0


def table_names(entity: str) -> dict[str, str]:
    return {
        "golden": entity,
        "crosswalk": f"{entity}_crosswalk",
        "retired": f"{entity}_retired_ids",
    }


def _previous(session: WarehouseSession, schema: str, entity: str) -> tuple[dict, pd.DataFrame]:
    names, present = table_names(entity), session.columns(schema)
    previous: dict[RecordKey, str] = {}
    if names["crosswalk"] in present:
        rows = session.rows(
            f"SELECT connector, record_id, unified_id FROM {_t(schema, names['crosswalk'])}"  # noqa: S608
        )
        previous = {RecordKey(str(c), str(r)): str(u) for c, r, u in rows}
    retired = (
        session.dataframe(f"SELECT * FROM {_t(schema, names['retired'])}")  # noqa: S608
        if names["retired"] in present
        else pd.DataFrame(columns=["unified_id", "merged_into", "retired_at"])
    )
    return previous, retired


def _t(schema: str, table: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(table)}"


def _allocator(entity: str, used: set[str]):
    prefix = f"{ID_PREFIX[entity]}_"
    numbers = [
        int(i[len(prefix) :]) for i in used if i.startswith(prefix) and i[len(prefix) :].isdigit()
    ]
    state = {"next": max(numbers, default=0) + 1}

    def allocate(n: int) -> list[str]:
        start, state["next"] = state["next"], state["next"] + n
        return [f"{prefix}{number:07d}" for number in range(start, start + n)]

    return allocate


def _crosswalk(result: UnifyResult, tenant_id: TenantId) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (m.key.connector, m.key.record_id, m.source_system, m.unified_id,
             m.match_probability, str(tenant_id))
            for m in result.members
        ],
        columns=["connector", "record_id", "source_system", "unified_id", "match_probability",
                 "_tenant_id"],
    )  # fmt: skip


def linker_input_sql(
    session: WarehouseSession, entity: CanonicalEntity, table: str, unified_schema: str
) -> str:
    """The linker's input; a contact's also says where the person works (their account's
    unified id and its golden record's domain) once the accounts are unified."""
    names, present = table_names("account"), session.columns(unified_schema)
    if entity.name == "account" or names["crosswalk"] not in present:
        return records_select(entity, table, session.dialect)
    golden = present.get(names["golden"], {})
    domains = tuple(c for c in ("domain", "website") if c in golden)
    return records_select(
        entity, table, session.dialect, _t(unified_schema, names["crosswalk"]),
        (_t(unified_schema, names["golden"]), domains) if golden else None,
    )  # fmt: skip


def _company_lines(
    session: WarehouseSession, entity: CanonicalEntity, canonical_schema: str
) -> frozenset[str]:
    """The phones of the tenant's canonical accounts, for linking its contacts."""
    accounts = session.columns(canonical_schema).get("account", {})
    if entity.name == "account" or "phone" not in accounts:
        return frozenset()
    table = _t(canonical_schema, "account")
    phones = session.dataframe(f"SELECT {quote_ident('phone')} AS phone FROM {table}")  # noqa: S608
    return company_lines(phones["phone"])


def unify_in_warehouse(  # noqa: PLR0913
    session: WarehouseSession,
    entity: CanonicalEntity,
    tenant_id: TenantId,
    canonical_schema: str,
    unified_schema: str,
    rules: Survivorship,
    thresholds: Thresholds,
    decisions: list[Decision] | None = None,
) -> Unified:
    """Link the entity's canonical rows and replace its unified tables."""
    session.ensure_schema(unified_schema)
    names = table_names(entity.name)
    table = _t(canonical_schema, entity.name)
    records = session.dataframe(linker_input_sql(session, entity, table, unified_schema))
    previous, retired = _previous(session, unified_schema, entity.name)
    used = set(previous.values()) | set(retired["unified_id"].astype(str))
    result = unify_entity(
        entity.name, records, previous, decisions or [], thresholds,
        _allocator(entity.name, used), _company_lines(session, entity, canonical_schema),
    )  # fmt: skip
    crosswalk = _crosswalk(result, tenant_id)
    now = datetime.now(UTC).isoformat()
    retired = pd.concat(
        [retired, pd.DataFrame([(o, n, now) for o, n in result.merged_into.items()],
                               columns=["unified_id", "merged_into", "retired_at"])],
        ignore_index=True,
    ).astype(str)  # fmt: skip
    session.replace_from_frame(unified_schema, names["crosswalk"], crosswalk)
    session.replace_from_frame(unified_schema, names["retired"], retired)
    cross = _t(unified_schema, names["crosswalk"])
    entities = session.replace_table(
        unified_schema, names["golden"], golden_select(entity, table, cross, rules, session.dialect)
    )
    sizes = Counter(Counter(crosswalk["unified_id"]).values())
    return Unified(
        len(records), entities, dict(sorted(sizes.items())), result.pairs_scored,
        result.weights, dict(result.merged_into),
        tuple(sorted(result.review_pairs, key=lambda p: (-p.probability, p.left, p.right))),
        result.calibration,
    )  # fmt: skip

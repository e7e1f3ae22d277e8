"""The `stranded_mappings` check on every canonical table: it warns while active mappings onto
the table's entity come from source tables that do not feed it, so their values reach no
canonical row. A source table feeds an entity only once its key is mapped to the entity's
identity field (canonical/sql_builder.SourceTable.feeds: that is what makes its rows the
entity's records); until then, fields of it approved onto the entity wait for that decision.
A dlt child table (a list nested in another table's records, with `_dlt_parent_id`) holds list
items, not the entity's records: stranded there, its fields are named as such, never joined to
the parent's row by a guess; a computed mapping on the parent table aggregates the list
(dcl/expressions/lists.py), which a person writes."""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue

from autonomos_pipelines.canonical.sql_builder import SourceTable
from autonomos_pipelines.core.markdown import cell
from autonomos_pipelines.dcl.model.canonical_model import CanonicalEntity
from autonomos_pipelines.dcl.registry.store import Mapping
from quality_checks.partitioned import tenant_check_spec

CHECK_NAME = "stranded_mappings"
PARENT_COLUMN = "_dlt_parent_id"  # dlt's link from a list item to the record holding it


def stranded_mappings_spec(key: AssetKey) -> AssetCheckSpec:
    return tenant_check_spec(
        CHECK_NAME,
        asset=key,
        description="Warns while active mappings onto this table's entity come from source "
        "tables that do not feed it (no field of them is mapped to the entity's identity "
        "field): their values reach no canonical row. A dlt child table (a list nested in "
        "another table's records) is named as such. Clears when the table's key is mapped or "
        "the mappings are retired.",
    )


def stranded_mappings(
    entity: CanonicalEntity, sources: list[SourceTable]
) -> list[tuple[SourceTable, list[Mapping]]]:
    """Each source table with active mappings onto ``entity`` that does not feed it, and
    those mappings."""
    return [(s, s.onto(entity)) for s in sources if s.onto(entity) and not s.feeds(entity)]


def why_stranded(entity: CanonicalEntity, source: SourceTable) -> str:
    identity = f"{entity.name}.{entity.identity_field}"
    if PARENT_COLUMN in source.columns:
        return (
            f"a list nested in another table's records (dlt child table): its rows are list "
            f"items, not {entity.name} records; map the parent's field with an aggregate of "
            "the list instead, e.g. first(list.column)"
        )
    gone = [
        m.source_field
        for m in source.mappings
        if (m.canonical_entity, m.canonical_field) == (entity.name, entity.identity_field)
    ]
    if gone:  # mapped, but `onto` found no such column: the source stopped sending it
        return f"its key '{gone[0]}' is mapped to {identity} but is no longer in the table"
    # an identity that is an id is the table's record id; a date (cloud cost, web traffic) is not
    key = source.record_id_column if entity.identity_field.endswith("_id") else None
    field = f"'{key}'" if key else f"the field holding its {entity.identity_field}"
    return f"no field of it is mapped to {identity}: map {field} there to feed {entity.name}"


def _field_list(onto: list[Mapping], limit: int = 400) -> str:
    """The mapped fields as one cell's text, saying how many a long list leaves out."""
    names = [f"{m.source_field} → {m.canonical_field}" for m in onto]
    shown: list[str] = []
    for name in names:
        if len(", ".join([*shown, name])) > limit:
            return ", ".join(shown) + f" … and {len(names) - len(shown)} more"
        shown.append(name)
    return ", ".join(shown)


def stranded_mappings_result(
    entity: CanonicalEntity, stranded: list[tuple[SourceTable, list[Mapping]]]
) -> AssetCheckResult:
    """``stranded``: what `stranded_mappings` found for ``entity``."""
    lines = [
        f"| {cell(s.connector)}.{cell(s.table)} | "
        f"{cell(_field_list(onto), 500)} | "
        f"{cell(why_stranded(entity, s), 200)} |"
        for s, onto in stranded
    ]
    count = sum(len(onto) for _, onto in stranded)
    return AssetCheckResult(
        check_name=CHECK_NAME,
        passed=not stranded,
        severity=AssetCheckSeverity.WARN,
        description=(
            f"{count} active mapping(s) onto {entity.name} reach no canonical row, from "
            + ", ".join(f"{s.connector}.{s.table}" for s, _ in stranded)
            if stranded
            else f"every table with mappings onto {entity.name} feeds it"
        ),
        metadata={
            "stranded_mappings": count,
            "report": MetadataValue.md(
                "| source table | mapped fields | why no row gets them |\n|---|---|---|\n"
                + "\n".join(lines)
            ),
        },
    )

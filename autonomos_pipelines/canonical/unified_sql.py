"""SQL of entity unification in the warehouse: the records a linker reads, golden records
chosen by survivorship rules, and views that give every canonical row its unified account
and contact. Every identifier is quoted; source values only ever appear as literals."""

from __future__ import annotations

from autonomos_pipelines.core.naming import quote_ident, quote_literal
from autonomos_pipelines.dcl.model.canonical_model import CanonicalEntity
from autonomos_pipelines.dcl.unify.model import Survivorship
from autonomos_pipelines.warehouse.dialects import Dialect

# A canonical field holding a source id of another unified entity -> that entity.
REFERENCES = {
    "account_id": "account",
    "parent_account_id": "account",
    "primary_contact_id": "contact",
    "requester_id": "contact",
    "contact_id": "contact",
}


def record_key_sql(entity: CanonicalEntity, dialect: Dialect, alias: str = "c") -> str:
    """The record id a crosswalk row names: the identity field, else the lineage record id."""
    identity = f"{alias}.{quote_ident(entity.identity_field)}"
    return f"COALESCE({dialect.as_text(identity)}, {alias}._source_record_id)"


def records_select(
    entity: CanonicalEntity,
    table: str,
    dialect: Dialect,
    accounts: str | None = None,
    golden_domains: tuple[str, tuple[str, ...]] | None = None,
) -> str:
    """The linker's input: connector, record id, source system and the entity's fields; with
    ``accounts`` (the account crosswalk) also ``unified_account_id``, the unified account of
    the record's ``account_id`` (same connector), which tells the linker where a person works;
    with ``golden_domains`` (the golden account table and its domain columns in order of
    preference) also ``unified_account_domain``, that account's domain."""
    fields = ", ".join(f"c.{quote_ident(f.name)}" for f in entity.fields)
    select = (
        f"SELECT c._source_connector AS connector, {record_key_sql(entity, dialect)} AS record_id, "  # noqa: S608
        f"c._source_system AS source_system, {fields}"
    )
    if accounts is None or not any(f.name == "account_id" for f in entity.fields):
        return f"{select} FROM {table} AS c"
    joined = (
        f"LEFT JOIN {accounts} AS a ON a.connector = c._source_connector "
        f"AND a.record_id = {dialect.as_text('c.account_id')}"
    )
    if not golden_domains or not golden_domains[1]:
        return f"{select}, a.unified_id AS unified_account_id FROM {table} AS c {joined}"
    golden, columns = golden_domains
    # a golden field skips NULLs only: an empty domain must not hide the website
    domain = ", ".join(f"NULLIF({dialect.as_text(f'g.{quote_ident(c)}')}, '')" for c in columns)
    return (
        f"{select}, a.unified_id AS unified_account_id, COALESCE({domain}) "
        f"AS unified_account_domain FROM {table} AS c {joined} "
        f"LEFT JOIN {golden} AS g ON g.unified_id = a.unified_id"
    )


def _priority(rules: Survivorship) -> str:
    ranks = " ".join(
        f"WHEN {quote_literal(system)} THEN {rank}"
        for rank, system in enumerate(rules.source_priority)
    )
    return f"CASE c._source_system {ranks} ELSE {len(rules.source_priority)} END" if ranks else "0"


def _order(rule: str, column: str, has_updated_at: bool, rules: Survivorship) -> str:
    recent = "c.updated_at DESC NULLS LAST" if has_updated_at else None
    ties = [_priority(rules), recent, "c._source_connector", "x.record_id"]
    if rule == "most_trusted":
        order = ties
    elif rule == "most_complete":
        order = [f"length(CAST({column} AS TEXT)) DESC", *ties]
    else:  # most_recent
        order = [recent, *ties]
    return ", ".join(part for part in order if part)


def golden_select(
    entity: CanonicalEntity, table: str, crosswalk: str, rules: Survivorship, dialect: Dialect
) -> str:
    """One row per unified id; each field from the member its survivorship rule prefers
    among those that have a value."""
    has_updated_at = any(f.name == "updated_at" for f in entity.fields)
    columns = []
    for field in entity.fields:
        if field.name == entity.identity_field or field.name in REFERENCES:
            continue  # source ids mean nothing on a golden record
        column = f"c.{quote_ident(field.name)}"
        order = _order(
            rules.per_field.get(field.name, rules.default), column, has_updated_at, rules
        )
        columns.append(
            f"(array_agg({column} ORDER BY {order}) FILTER (WHERE {column} IS NOT NULL))[1] "
            f"AS {quote_ident(field.name)}"
        )
    text = dialect.text_type
    return (
        f"SELECT x.unified_id, count(*) AS member_count, "  # noqa: S608
        f"string_agg(DISTINCT CAST(c._source_system AS {text}), ',') AS source_systems, "
        f"min(c._tenant_id) AS _tenant_id, {', '.join(columns)} "
        f"FROM {table} AS c JOIN {crosswalk} AS x ON x.connector = c._source_connector "
        f"AND x.record_id = {record_key_sql(entity, dialect)} GROUP BY x.unified_id"
    )


def linked_select(
    entity: CanonicalEntity, table: str, crosswalks: dict[str, str], dialect: Dialect
) -> str | None:
    """The canonical table with ``unified_<entity>_id`` beside every reference to an account
    or contact (same connector, same source id); None when it references neither."""
    joins, columns = [], []
    for field in entity.fields:
        target = REFERENCES.get(field.name)
        if target is None or target not in crosswalks or field.name == entity.identity_field:
            continue
        alias = f"x_{field.name}"
        source_id = dialect.as_text(f"c.{quote_ident(field.name)}")
        joins.append(
            f"LEFT JOIN {crosswalks[target]} AS {alias} ON {alias}.connector = c._source_connector "
            f"AND {alias}.record_id = {source_id}"
        )
        name = f"unified_{field.name}" if field.name.endswith("_id") else f"unified_{target}_id"
        columns.append(f"{alias}.unified_id AS {quote_ident(name)}")
    if not joins:
        return None
    return f"SELECT c.*, {', '.join(columns)} FROM {table} AS c {' '.join(joins)}"  # noqa: S608


def crosswalk_check_select(crosswalk: str, golden: str) -> str:
    """Every crosswalk row with whether its unified id has a golden record and on how many
    tenants its unified entity has members: what the crosswalk's GX suite validates."""
    return (
        "SELECT x.connector, x.record_id, x.unified_id, x.match_probability, x._tenant_id, "  # noqa: S608
        "g.unified_id IS NOT NULL AS has_golden_record, t.tenants AS tenants_in_entity "
        f"FROM {crosswalk} AS x LEFT JOIN {golden} AS g ON g.unified_id = x.unified_id "
        "LEFT JOIN (SELECT unified_id, count(DISTINCT _tenant_id) AS tenants "
        f"FROM {crosswalk} GROUP BY unified_id) AS t ON t.unified_id = x.unified_id"
    )
